"""The rules of the cooperation agreement: who may do what, and who sees what."""
