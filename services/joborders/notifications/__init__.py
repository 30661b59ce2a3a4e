"""In-app notifications and e-mail for mediators."""
