"""Standard-library helpers shared by the Pulumi program and the `litemaas` command (no Pulumi, no CLI imports)."""
