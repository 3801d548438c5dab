"""The LiteMaaS policy pack: `pulumi preview --policy-pack policy` (rules in litemaas_policies/).

Each rule becomes a pulumi-policy policy with its default enforcement level and its settings as the config schema;
the organisation overrides both with `--policy-pack-config` (README, "`pulumi preview` on every pull request").
"""

from collections.abc import Mapping, Sequence

import pulumi.runtime
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from litemaas_policies import RULES, UNKNOWN, Resource, Rule, StackPaths


def plain(value):
    """pulumi-policy's proxies as dicts and lists, with UNKNOWN where a preview value is not known yet."""
    def read(get):
        try:
            return plain(get())
        except UnknownValueError:
            return UNKNOWN

    if isinstance(value, Mapping):
        return {k: read(lambda k=k: value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [read(lambda i=i: value[i]) for i in range(len(value))]
    return value


def stack_paths() -> StackPaths:
    # The engine hands a policy pack the stack's config as it hands it to the program (PULUMI_CONFIG).
    return StackPaths.from_config(pulumi.runtime.get_config_env())


def resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation) -> None:
        resource = Resource(args.resource_type, args.name, plain(args.props), args.urn)
        for violation in rule.run(resource, args.get_config(), stack_paths()):
            report_violation(violation.message)

    return ResourceValidationPolicy(name=rule.name, description=rule.description, validate=validate,
                                    enforcement_level=EnforcementLevel(rule.enforcement), config_schema=schema(rule))


def stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation) -> None:
        resources = [Resource(r.resource_type, r.name, plain(r.props), r.urn, tuple(d.urn for d in r.dependencies))
                     for r in args.resources]
        for violation in rule.run(resources, args.get_config(), stack_paths()):
            report_violation(violation.message, violation.urn or None)

    return StackValidationPolicy(name=rule.name, description=rule.description, validate=validate,
                                 enforcement_level=EnforcementLevel(rule.enforcement), config_schema=schema(rule))


def schema(rule: Rule):
    return PolicyConfigSchema(properties=dict(rule.settings)) if rule.settings else None


PolicyPack(name="litemaas", policies=[stack_policy(r) if r.stack else resource_policy(r) for r in RULES])
