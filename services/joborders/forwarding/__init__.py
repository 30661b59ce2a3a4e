"""JobAG forwarding from an a-kasse to a jobcentre, and its inbox."""
