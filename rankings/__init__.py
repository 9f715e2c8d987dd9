"""rankings: explore how league tables of AI contributors depend on methodology."""
