"""`keysFrom`: keys from a CSV or YAML file are the same KeyConfigs as in `keys[]`, checked alike, with the
file's line in every problem, all at preview in the one ConfigError."""

import json

import pytest

from config import ConfigError, parse_stack_config
from config.keys_file import project_directory

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [
    {"name": "granite", "model": "openai/granite-8b-instruct", "apiBase": "https://granite.apps.example.com/v1"},
    {"name": "mistral", "model": "openai/mistral-7b", "apiBase": "https://mistral.apps.example.com/v1"},
]
TEAMS = [{"alias": "data-science", "models": ["granite", "mistral"], "maxBudget": 500}]
BASE = {"models": MODELS, "teams": TEAMS}

KEYS = [
    {"alias": "alice", "team": "data-science", "models": ["granite", "mistral"], "maxBudget": 50,
     "budgetDuration": "30d", "duration": "90d", "tpmLimit": 10000, "rpmLimit": 60, "userId": "10042"},
    {"alias": "bob", "models": ["granite"], "maxBudget": 12.5, "blocked": True, "rotation": 2,
     "deliverTo": {"namespace": "bob-ds", "secretName": "litemaas-key"}, "metadata": {"department": "finance"}},
    {"alias": "legacy", "tokenHash": "0f" * 32, "rotation": "2026-05-02"},
]

CSV = f"""alias,team,models,maxBudget,budgetDuration,duration,tpmLimit,rpmLimit,userId,blocked,rotation,\
deliverTo.namespace,deliverTo.secretName,metadata.department,tokenHash
alice,data-science,granite;mistral,50,30d,90d,10000,60,10042,,,,,,
bob,,granite,12.5,,,,,,true,2,bob-ds,litemaas-key,finance,

legacy,,,,,,,,,,2026-05-02,,,,{"0f" * 32}
"""

YAML = f"""# keys handed to the data-science team
- alias: alice
  team: data-science
  models: [granite, mistral]
  maxBudget: 50
  budgetDuration: 30d
  duration: 90d
  tpmLimit: 10000
  rpmLimit: 60
  userId: "10042"
- alias: bob
  models: [granite]
  maxBudget: 12.5
  blocked: true
  rotation: 2
  deliverTo: {{namespace: bob-ds, secretName: litemaas-key}}
  metadata: {{department: finance}}
- alias: legacy
  tokenHash: {"0f" * 32}
  rotation: 2026-05-02
"""


def keys_from(tmp_path, name, text, **values):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return parse_stack_config({**BASE, "keysFrom": name, **values}, {"masterKey"}, str(tmp_path))


def error_from(tmp_path, name, text, **values) -> str:
    with pytest.raises(ConfigError) as raised:
        keys_from(tmp_path, name, text, **values)
    return str(raised.value)


@pytest.mark.parametrize("name, text", [("keys.csv", CSV), ("keys.yaml", YAML), ("keys.yml", YAML)])
def test_file_entries_equal_the_same_entries_in_keys(tmp_path, name, text):
    from_file = keys_from(tmp_path, name, text).keys
    inline = parse_stack_config({**BASE, "keys": KEYS}, {"masterKey"}).keys
    assert from_file == inline
    assert [k.alias for k in from_file] == ["alice", "bob", "legacy"]
    assert from_file[0].models == ("granite", "mistral") and from_file[0].user_id == "10042"
    assert (from_file[1].max_budget, from_file[1].blocked, from_file[1].rotation) == (12.5, True, "2")
    assert from_file[2].adopt is True and from_file[2].rotation == "2026-05-02"


def test_csv_lists_may_be_separated_by_spaces_and_cells_padded(tmp_path):
    config = keys_from(tmp_path, "keys.csv", 'alias,models,adopt\n carol , "granite  mistral",TRUE\n')
    assert (config.keys[0].alias, config.keys[0].models, config.keys[0].adopt) == ("carol", ("granite", "mistral"), True)


def test_csv_columns_for_routes_and_per_model_limits(tmp_path):
    config = keys_from(tmp_path, "keys.csv", "alias,allowedRoutes,modelRpmLimit.granite,modelTpmLimit.mistral\n"
                                             "carol,/chat/completions;/models,10,5000\n")
    carol = config.keys[0]
    assert carol.allowed_routes == ("/chat/completions", "/models")
    assert (carol.model_rpm_limit, carol.model_tpm_limit) == ({"granite": 10}, {"mistral": 5000})
    message = error_from(tmp_path, "keys.csv", "alias,modelRpmLimit.granite\ncarol,lots\n")
    assert "litemaas:keysFrom keys.csv line 2 (carol): modelRpmLimit.granite must be a whole number" in message


def test_file_keys_follow_keys_and_aliases_are_unique_across_both(tmp_path):
    config = keys_from(tmp_path, "keys.csv", "alias,models\ncarol,granite\n", keys=[{"alias": "alice"}])
    assert [k.alias for k in config.keys] == ["alice", "carol"]

    message = error_from(tmp_path, "keys.csv", "alias\ncarol\nalice\n", keys=[{"alias": "alice"}])
    assert "litemaas:keysFrom keys.csv line 3 (alice): alias duplicate key alias 'alice' (already used by " \
           "keys[0].alias)" in message
    message = error_from(tmp_path, "keys.yaml", "- alias: carol\n- alias: dave\n- alias: carol\n")
    assert "litemaas:keysFrom keys.yaml line 3 (carol): alias duplicate key alias 'carol' (already used by " \
           "keysFrom keys.yaml line 1 (carol) alias)" in message


def test_token_hashes_and_delivered_secrets_are_unique_across_both(tmp_path):
    token = "ab" * 32
    message = error_from(tmp_path, "keys.csv", f"alias,tokenHash,deliverTo.namespace,deliverTo.secretName\n"
                         f"b,{token},,\nc,,ds,key\n",
                         keys=[{"alias": "a", "tokenHash": token}, {"alias": "d", "rotation": 1,
                                                                     "deliverTo": {"namespace": "ds", "secretName": "key"}}])
    assert "keysFrom keys.csv line 2 (b): tokenHash duplicate key tokenHash" in message
    assert "keysFrom keys.csv line 3 (c): deliverTo.secretName duplicate delivered Secret" in message


@pytest.mark.parametrize("name, text, expected", [
    ("keys.csv", "alias,maxBudget\nalice,50\n\nbob,lots\n",
     "litemaas:keysFrom keys.csv line 4 (bob): maxBudget must be a number, got 'lots'"),
    ("keys.csv", "alias,models\nalice,granite\nbob,llama\n",
     "litemaas:keysFrom keys.csv line 3 (bob): models names model(s) the stack does not declare: llama"),
    ("keys.csv", "alias,team\nalice,ghosts\n", "litemaas:keysFrom keys.csv line 2 (alice): team 'ghosts' is not a team"),
    ("keys.csv", "alias,duration\nalice,30x\n", "line 2 (alice): duration '30x' is not a duration LiteLLM accepts"),
    ("keys.csv", "alias,blocked\nalice,maybe\n", "line 2 (alice): blocked must be true or false, got 'maybe'"),
    ("keys.csv", "alias,tpmLimit\nalice,1.5\n", "line 2 (alice): tpmLimit must be a whole number, got 1.5"),
    ("keys.csv", "alias,maxBudget\n,5\n", "litemaas:keysFrom keys.csv line 2: alias is required"),
    ("keys.csv", "alias,deliverTo.namespace,deliverTo.secretName\nalice,Data_Science,key\n",
     "line 2 (alice): deliverTo.namespace 'Data_Science' is not a namespace name"),
    ("keys.csv", 'alias,metadata.note\nalice,"two\nlines"\nbob,x,y\n',
     "litemaas:keysFrom keys.csv line 4 (bob): has 3 cells but the header has 2 columns"),
    ("keys.csv", "alias,modles\nalice,granite\n",
     "litemaas:keysFrom keys.csv line 1: unknown column `modles` (did you mean `models`?); known columns: alias,"),
    ("keys.csv", "alias,deliverTo.secret\n", "line 1: unknown column `deliverTo.secret` (did you mean "
     "`deliverTo.secretName`?)"),
    ("keys.csv", "alias,deliverTo\n", "line 1: column `deliverTo` holds an object; use one column per field: "
     "`deliverTo.namespace` and `deliverTo.secretName`"),
    ("keys.csv", "alias,team,alias\n", "line 1: column `alias` appears twice"),
    ("keys.csv", "team,models\ndata-science,granite\n", "line 1: there is no `alias` column"),
    ("keys.csv", "alias;team;models\nalice;data-science;granite\n", "; the file must be comma-separated"),
    ("keys.csv", "", "litemaas:keysFrom: 'keys.csv' is empty; its first line must be a header row"),
    ("keys.yaml", "- alias: alice\n  maxBudget: 5\n- alias: bob\n  maxBudget: lots\n",
     "litemaas:keysFrom keys.yaml line 3 (bob): maxBudget must be a number, got 'lots'"),
    ("keys.yaml", "- alias: alice\n\n-   modles: [granite]\n    alias: bob\n",
     "litemaas:keysFrom keys.yaml line 3 (bob): modles unknown key (did you mean `models`?)"),
    ("keys.yaml", "- alias: alice\n  blocked: no\n", "line 1 (alice): blocked must be true or false, got 'no'"),
    ("keys.yaml", "- alias: alice\n- bob\n", "litemaas:keysFrom keys.yaml line 2: must be a keys[] entry (an object "
     "such as `- alias: alice`), got a string"),
    ("keys.yaml", "# users\nkeys:\n  - alias: alice\n", "litemaas:keysFrom keys.yaml line 2: the file is not a list"),
    ("keys.yaml", "- alias: alice\n  models: [granite\n- alias: bob\n", "litemaas:keysFrom keys.yaml line 3: is not "
     "valid YAML"),
    ("keys.yaml", "# nobody yet\n", "litemaas:keysFrom: 'keys.yaml' is empty; it must be a YAML list"),
])
def test_each_file_problem_names_the_file_and_the_line(tmp_path, name, text, expected):
    assert expected in error_from(tmp_path, name, text)


@pytest.mark.parametrize("value, create, expected", [
    ("missing.csv", None, "litemaas:keysFrom: 'missing.csv' does not exist (looked for {dir}/missing.csv; a relative "
     "path is relative to the project directory, beside Pulumi.yaml); create it or fix the path with "
     "`pulumi config set keysFrom <path>`"),
    ("keys.json", "[]", "litemaas:keysFrom: 'keys.json' is neither a .csv nor a .yaml/.yml file"),
    ("users", "alias\nalice\n", "litemaas:keysFrom: 'users' is neither a .csv nor a .yaml/.yml file"),
    ("latin1.csv", "alias\nJos\xe9\n".encode("latin-1"), "litemaas:keysFrom: cannot read 'latin1.csv' ({dir}/latin1.csv)"),
    ("folder.csv", "dir", "litemaas:keysFrom: cannot read 'folder.csv' ({dir}/folder.csv): Is a directory"),
    ("  ", None, "litemaas:keysFrom: '  ' is empty; give the path of a .csv or .yaml file"),
])
def test_a_file_that_cannot_be_used_gets_one_error_with_the_fix(tmp_path, value, create, expected):
    if create == "dir":
        (tmp_path / value).mkdir()
    elif isinstance(create, bytes):
        (tmp_path / value).write_bytes(create)
    elif create is not None:
        (tmp_path / value).write_text(create)
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({**BASE, "keysFrom": value}, {"masterKey"}, str(tmp_path))
    assert expected.format(dir=tmp_path) in str(raised.value)


def test_file_problems_join_the_rest_of_the_config_in_one_error(tmp_path):
    message = error_from(tmp_path, "keys.csv", "alias,maxBudget,rpmLimit\nalice,lots,-1\nbob,5,x\n",
                         namespce="x")
    assert message.startswith("Invalid stack config:")
    assert message.count("\n  - ") == 4  # namespce, and three cells on two lines
    assert "line 2 (alice): rpmLimit must be 0 or more, got -1" in message
    assert "line 3 (bob): rpmLimit must be a whole number, got 'x'" in message


def test_the_metrics_alias_is_reserved_in_the_file_too(tmp_path):
    message = error_from(tmp_path, "keys.csv", "alias\nlitemaas-metrics\n")
    assert "keysFrom keys.csv line 2 (litemaas-metrics): alias 'litemaas-metrics' is reserved" in message


def test_an_absolute_path_and_a_path_under_the_project(tmp_path):
    (tmp_path / "users").mkdir()
    (tmp_path / "users" / "keys.csv").write_text("alias\nalice\n")
    assert keys_from(tmp_path, "other.csv", "alias\nbob\n", keysFrom=str(tmp_path / "users" / "keys.csv")).keys[0] \
        .alias == "alice"
    assert parse_stack_config({"keysFrom": "users/keys.csv"}, set(), str(tmp_path)).keys[0].alias == "alice"


def test_a_relative_path_is_read_from_the_project_directory(tmp_path, monkeypatch):
    import pulumi.runtime.settings as settings

    (tmp_path / "keys.csv").write_text("alias\nalice\n")
    monkeypatch.chdir(tmp_path)
    assert project_directory() == str(tmp_path)  # no root directory from the language host: the program's cwd
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(settings.SETTINGS, "root_directory", str(tmp_path))
    assert project_directory() == str(tmp_path)


def test_load_stack_config_reads_keys_from_the_project_directory(tmp_path, monkeypatch):
    import pulumi

    from resolve import load_stack_config

    (tmp_path / "keys.yaml").write_text("- alias: alice\n  models: [granite]\n")
    monkeypatch.chdir(tmp_path)
    pulumi.runtime.set_all_config({"litemaas:models": json.dumps(MODELS), "litemaas:keysFrom": "keys.yaml"}, [])
    try:
        config = load_stack_config()
    finally:
        pulumi.runtime.set_all_config({}, [])
    assert [(k.alias, k.models) for k in config.keys] == [("alice", ("granite",))]


def test_the_example_file_is_valid_with_the_example_stack():
    import pathlib

    import yaml

    root = pathlib.Path(__file__).parents[1]
    example = yaml.safe_load((root / "Pulumi.dev.yaml").read_text())["config"]
    values = {key.split(":", 1)[1]: value for key, value in example.items()}
    config = parse_stack_config({**values, "keysFrom": "examples/keys.csv"}, set(), str(root))
    assert [k.alias for k in config.keys] == ["alice-notebook", "bob-notebook", "carol-notebook", "dave@example.com"]
    assert config.keys[1].deliver_to.namespace == "bob-ds" and config.keys[3].adopt is True


def test_two_thousand_rows_parse(tmp_path):
    rows = "".join(f"user{n:04d},data-science,granite;mistral,{n % 90 + 10},30d,{'true' if n % 7 == 0 else ''}\n"
                   for n in range(2000))
    config = keys_from(tmp_path, "keys.csv", "alias,team,models,maxBudget,budgetDuration,blocked\n" + rows)
    assert len(config.keys) == 2000
    assert config.keys[1999].alias == "user1999" and config.keys[1999].max_budget == 1999 % 90 + 10
    assert sum(k.blocked for k in config.keys) == len(range(0, 2000, 7))


@pytest.mark.e2e
def test_a_cli_preview_plans_the_keys_of_a_csv_beside_pulumi_yaml(tmp_path):
    """The real CLI runs the program in the project directory: a relative keysFrom is found there."""
    from tests.support.pulumi_cli import PulumiProject, ensure_toolchain

    project = PulumiProject(tmp_path, ensure_toolchain())
    (project.dir / "keys.csv").write_text("alias,models,maxBudget\nalice,granite,50\nbob,granite;mistral,10\n")
    project.set_plain({"deployGateway": False, "gatewayUrl": "http://127.0.0.1:9", "models": MODELS,
                       "keys": [{"alias": "ci-bot", "models": ["mistral"]}], "keysFrom": "keys.csv"})
    project.set_secret("masterKey", "sk-preview-only")
    plan = project.preview()
    created = {step["urn"].rsplit("::", 1)[1] for step in plan["steps"] if step["op"] == "create"}
    assert {"catalog-key-ci-bot", "catalog-key-alice", "catalog-key-bob"} <= created, created

    (project.dir / "keys.csv").write_text("alias,models,maxBudget\nalice,granite,fifty\n")
    refused = project.run("preview", check=False)
    assert refused.returncode != 0
    assert "litemaas:keysFrom keys.csv line 2 (alice): maxBudget must be a number, got 'fifty'" in refused.output


def test_access_groups_are_refused_in_the_file_not_ignored(tmp_path):
    message = error_from(tmp_path, "keys.csv", "alias,accessGroups\nalice,fast\n")
    assert "keysFrom keys.csv line 2 (alice): accessGroups is not read from keysFrom" in message


@pytest.mark.parametrize("with_keys", [False, True], ids=["only-keysFrom", "beside-keys"])
def test_a_file_key_outside_its_teams_access_groups_is_one_error_with_its_line(tmp_path, with_keys):
    """The team grants models through an access group only; a file key asks for another model."""
    (tmp_path / "keys.csv").write_text("alias,team,models\nalice,ml,mistral\n")
    values = {"models": MODELS, "accessGroups": [{"name": "small", "models": ["granite"]}],
              "teams": [{"alias": "ml", "accessGroups": ["small"]}], "keysFrom": "keys.csv",
              **({"keys": [{"alias": "carol", "team": "ml", "models": ["granite"]}]} if with_keys else {})}
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values, set(), str(tmp_path))
    problems = str(raised.value).splitlines()[1:]
    assert problems == ["  - litemaas:keysFrom keys.csv line 2 (alice): models mistral not allowed for team 'ml' "
                        "(neither its models nor its access groups); add them to the team or drop them here"]


def test_a_csv_renames_a_key_in_place_with_a_previous_alias_column(tmp_path):
    """The column is text like `alias`: a key once called `1234` keeps its name as written."""
    (key,) = keys_from(tmp_path, "keys.csv", "alias,previousAlias,models\nalice,1234,granite\n").keys
    assert (key.alias, key.previous_alias) == ("alice", "1234")


def test_csv_list_columns_are_every_list_of_a_key(tmp_path):
    # Every list a key declares (grants included) is split like `models`, not read as one name.
    from tests.test_catalog_e2e import CATALOG

    catalog = {**{k: v for k, v in CATALOG.items() if k != "keys"},
               "credentials": [{"name": name, "values": {"api_key": "sk-test"}} for name in ("e2e-upstream", "e2e-store")]}
    [key] = [{k: v for k, v in key.items() if k != "accessGroups"}  # refused in keysFrom (a test above)
             for key in CATALOG["keys"] if key["alias"] == "e2e-tier-key"]
    SECRET = {"masterKey", "credentials"}
    lists = sorted(column for column, value in key.items() if isinstance(value, list))
    assert len(lists) >= 4
    row = ",".join(";".join(value) if isinstance(value, list) else value for value in key.values())
    (tmp_path / "keys.csv").write_text(f"{','.join(key)}\n{row}\n", encoding="utf-8")
    from_file = parse_stack_config({**catalog, "keysFrom": "keys.csv"}, SECRET, str(tmp_path)).keys
    assert from_file == parse_stack_config({**catalog, "keys": [key]}, SECRET).keys
