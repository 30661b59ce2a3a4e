"""Job orders: register, read, list, edit and move through the statuses."""
