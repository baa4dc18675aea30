"""Web front ends: the local audit page and Datasette over the claims database."""
