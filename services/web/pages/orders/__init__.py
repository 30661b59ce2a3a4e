"""The job-order pages: Mine jobordrer, the order form, the jobordre page and its actions."""
