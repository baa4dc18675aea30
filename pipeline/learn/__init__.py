"""Trained decisions over rule candidates: features, small linear models, training and cross-validation."""
