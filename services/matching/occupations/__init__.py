"""Danish job-title normalisation to ESCO occupations, and the domain-tuned model."""
