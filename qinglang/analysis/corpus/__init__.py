"""The genre corpus: templates written by the team, the generator and its output."""
