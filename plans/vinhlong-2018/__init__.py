"""Data folder of the reference plan (plan.yaml, contacts.yaml); an __init__ only so that packaging ships it."""
