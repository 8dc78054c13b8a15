"""Reusable views: live plots, confusion matrix, image grid, draw pad, probability bars."""
