"""Turn what browsers send into validated, ordered analytics events. Pure functions, no I/O."""
