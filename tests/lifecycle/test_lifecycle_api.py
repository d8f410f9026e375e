"""Lifecycle resources over the API: offboarding cases and their items, planned leaves, scheduled revokes and
the tenant's lifecycle settings. What they do is tested where they act (joiners, movers, leavers, faults); here,
what the generated checks cover for each (tests/resource_tests.py)."""
import pytest

from apps.lifecycle.models import LifecycleSettings, OffboardingCase, OffboardingItem, PlannedLeave, ScheduledRevoke
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    StateMachineTests,
    TenantIsolationTests,
)

pytestmark = pytest.mark.django_db


class TestOffboardingCaseResource(TenantIsolationTests, QueryCountTests, RenderingTests, StampTests):
    model = OffboardingCase


class TestOffboardingItemResource(TenantIsolationTests, QueryCountTests, StateMachineTests, RenderingTests, StampTests):
    model = OffboardingItem


class TestPlannedLeaveResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                               StampTests):
    model = PlannedLeave


class TestScheduledRevokeResource(TenantIsolationTests, QueryCountTests, RenderingTests, StampTests):
    model = ScheduledRevoke


class TestLifecycleSettingsResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                                    StampTests):
    model = LifecycleSettings
