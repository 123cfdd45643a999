"""(Issue 20: to be written.)"""
