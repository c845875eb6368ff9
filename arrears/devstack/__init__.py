"""`arrears dev`: the whole stack on one machine, from wheels only."""
