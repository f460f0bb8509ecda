"""What a session leaves behind: recordings of every face, the emotion timeline, snapshots."""
