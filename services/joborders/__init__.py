"""The job-order service: orders, one mediation owner, JobAG forwarding, candidates, hires."""
