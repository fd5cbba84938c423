-- description: connection_hog: open a transaction on an autocommit session and leave it open, as a leaked connection does
BEGIN
