"""The matching service: CV bank, embeddings in FAISS, fair and explained ranking."""
