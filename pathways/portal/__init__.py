"""What the patient and pårørende see and do at /min/ (mobile first, works without JavaScript)."""
