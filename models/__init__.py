"""Records, database schema and the exception tree shared by every stage."""
