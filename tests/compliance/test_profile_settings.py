"""A lender's house policy and the message templates, as an operator meets them: `arrears
profile check`, ARREARS_PROFILES, and a worker that refuses a template the rules forbid."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from arrears.cli import app
from arrears.compliance.loader import profile_for
from arrears.settings import ConfigError, Settings
from arrears.worker import TEMPLATES, check_templates

HOUSE = Path(__file__).parents[2] / "arrears" / "compliance" / "profiles" / "house.example.yaml"


def write(tmp_path: Path, text: str, name: str = "house.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_check_names_the_version_and_rules_of_a_good_file():
    result = CliRunner().invoke(app, ["profile", "check", str(HOUSE)])
    assert result.exit_code == 0, result.output
    assert "profile house@3: contacts_per_week, vulnerability" in result.output


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("name: house\nversion: 1\n", "version: must be a string"),
        (
            'name: house\nversion: "1"\ncontacts_per_week: {source: s, effective: 2026-01-01,'
            " limit: 0}\n",
            "contacts_per_week.limit:",
        ),
        (
            'name: house\nversion: "1"\nwindow: {source: s, effective: 2026-01-01,'
            ' opens: "22:30", closes: "23:00"}\n',
            "do not overlap",
        ),
        ("name: [\n", "house.yaml"),
    ],
)
def test_profile_check_refuses_a_bad_file_with_exit_2_naming_the_problem(tmp_path, text, named):
    result = CliRunner().invoke(app, ["profile", "check", str(write(tmp_path, text))])
    assert result.exit_code == 2, result.output
    assert named in " ".join(result.output.split())


def test_arrears_profiles_layers_the_house_policy_over_every_jurisdiction():
    policy = Settings(arrears_profiles=str(HOUSE)).house_policy()
    assert policy is not None
    assert profile_for("CN", policy).label == "CN@2026.1+house@3"
    assert Settings().house_policy() is None


def test_a_bad_arrears_profiles_is_a_config_error_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError, match=r"ARREARS_PROFILES: .*contacts_per_week\.limit"):
        Settings(
            arrears_profiles=str(
                write(
                    tmp_path,
                    'name: house\nversion: "1"\ncontacts_per_week: '
                    "{source: s, effective: 2026-01-01, limit: -1}\n",
                )
            )
        ).house_policy()


def test_the_shipped_templates_pass_under_the_house_policy():
    check_templates(Settings(arrears_profiles=str(HOUSE)).house_policy())


def test_a_worker_refuses_a_template_the_rules_forbid_naming_it_and_the_rule(tmp_path):
    for template in Path(str(TEMPLATES)).glob("*.txt.j2"):
        write(tmp_path, template.read_text(encoding="utf-8"), template.name)
    write(
        tmp_path,
        "【{{ institution }}】{{ name }}，再不还款将通知你的单位。回复TD退订",
        "final_demand.zh-CN.txt.j2",
    )

    with pytest.raises(ConfigError) as refused:
        check_templates(None, tmp_path)

    assert "final_demand.zh-CN: CN.threat_to_third_parties" in str(refused.value)
    assert "reminder" not in str(refused.value)


def test_a_simulation_refuses_a_bad_house_policy_with_exit_2(tmp_path):
    bad = write(tmp_path, 'name: house\nversion: "1"\nvulnerability: {mode: shout}\n')
    scenario = Path(__file__).parents[2] / "examples" / "scenario.json"
    result = CliRunner().invoke(
        app, ["simulate", str(scenario)], env={"ARREARS_PROFILES": str(bad)}
    )
    assert result.exit_code == 2, result.output
    assert "ARREARS_PROFILES" in result.output and "vulnerability" in result.output


def test_arrears_dev_refuses_a_bad_house_policy_before_starting_anything(tmp_path):
    bad = write(tmp_path, 'name: house\nversion: "1"\ncontacts_per_week: {limit: 2}\n')
    home = tmp_path / "stack"
    result = CliRunner().invoke(
        app, ["dev", "--home", str(home)], env={"ARREARS_PROFILES": str(bad)}
    )
    assert result.exit_code == 2, result.output
    assert "ARREARS_PROFILES" in result.output and "contacts_per_week.source" in result.output
    assert not home.exists()
