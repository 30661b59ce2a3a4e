"""Code both Jobbro services use: settings, database, errors, auth, audit, tasks."""
