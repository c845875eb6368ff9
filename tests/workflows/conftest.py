import pytest
from temporalio.testing import WorkflowEnvironment

from tests.workflows.harness import CaseRunner


@pytest.fixture
def runner(ts_env: WorkflowEnvironment) -> CaseRunner:
    return CaseRunner(ts_env)
