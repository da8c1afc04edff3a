"""Volunteer lawyers' Saturday rota: rooms, fair duty plans, swaps, check-in,
consultations and calendar feeds."""
