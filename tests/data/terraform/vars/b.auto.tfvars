from_auto = "auto"
