import pytest

pytest.register_assert_rewrite("tests.workflows.story")

from temporalio.testing import WorkflowEnvironment  # noqa: E402

from tests.workflows.harness import CaseRunner  # noqa: E402


@pytest.fixture
def runner(ts_env: WorkflowEnvironment) -> CaseRunner:
    return CaseRunner(ts_env)
