-- description: How many orders the plan generated (the rows of the world_plan scratch table)
SELECT count(*) AS n FROM world_plan
