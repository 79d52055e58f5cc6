"""What operations staff and supervisors do, behind the starter.py CLI."""
