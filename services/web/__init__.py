"""The mediators' web UI (Danish), server-rendered with Jinja2 and htmx."""
