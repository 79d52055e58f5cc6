"""Pure collections rules and messages. Standard library only: this runs in the workflow sandbox."""
