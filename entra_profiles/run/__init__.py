"""The main job: connect each selected profile, check what it got, and explain every failure."""
