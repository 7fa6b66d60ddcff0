"""Hand-written business rules, one module per resource; Copier creates them once and then leaves them alone."""
