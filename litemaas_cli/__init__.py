"""`litemaas`: the day-2 admin command of a LiteMaaS stack (status, spend, keys, diagnose, handoff)."""
