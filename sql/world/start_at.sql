-- description: When the generated history starts (`now - days`, from the world_params scratch table)
SELECT start_at FROM world_params
