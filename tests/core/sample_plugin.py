"""Sources of small third-party test plugins (they import only ``sellintegro_core.api``, as plugins must):
the first (a rule, a renderer and a limits hook) installed via a real entry point."""

RULE_PLUGIN = '''
from pydantic import BaseModel, ConfigDict
from sellintegro_core.api import AttachDocument, OrderScan, RendererSpec, RuleSpec, SetStatus, Skip, hookimpl


class RuleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status_after: str | None = None


class AttachAll:
    """Attach every document; optionally set a status after the attaches."""

    def __init__(self, config, context):
        self.config = config

    def scan(self):
        return OrderScan(all_orders=False)

    def pending(self, documents, facts, context):
        keys = [AttachDocument.key_for(facts.order_id, d.id) for d in documents]
        if any(k not in facts.done for k in keys):
            return True
        return bool(self.config.status_after) and SetStatus.key_for(facts.order_id, "success") not in facts.done

    def decide(self, order, documents, facts, context):
        if order is None:
            return [Skip(order_id=d.order_ref.value, code="order_not_found", document_id=d.id, document_number=d.number,
                         reason=f"order {d.order_ref.value} not found") for d in documents]
        actions = []
        keys = []
        for d in documents:
            a = AttachDocument(order_id=order.id, document_id=d.id, document_number=d.number,
                               document_kind=d.kind, target="invoice")
            keys.append(a.key)
            if a.key not in facts.done:
                actions.append(a)
        if self.config.status_after and keys:
            actions.append(SetStatus(order_id=order.id, status=self.config.status_after, after=keys))
        return actions


class RendererConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fail_on: str | None = None


class TextRenderer:
    def __init__(self, config, context):
        self.config = config

    def render(self, document, template="pl", *, ksef_label=None):
        from sellintegro_core.api import DocumentError
        if self.config.fail_on and document.number == self.config.fail_on:
            raise DocumentError(f"cannot render {document.number}: test failure", code="test")
        return ("%PDF-1.4 " + document.number).encode()


@hookimpl
def sellintegro_register_rules(register):
    register(RuleSpec(name="attach_all", config_model=RuleConfig, factory=AttachAll))


@hookimpl
def sellintegro_register_renderers(register):
    register(RendererSpec(name="text_pdf", config_model=RendererConfig, factory=TextRenderer))
'''

LIMITS_PLUGIN = '''
from sellintegro_core.api import hookimpl

@hookimpl
def sellintegro_limits(limits):
    limits.raise_to(plugin="wide_window", days_back=60, before_setup_days=30)
'''

BROKEN_PLUGIN = '''
import this_module_does_not_exist_anywhere
'''

DUPLICATE_PLUGIN = '''
from pydantic import BaseModel
from sellintegro_core.api import SourceSpec, hookimpl

class Cfg(BaseModel):
    pass

@hookimpl
def sellintegro_register_sources(register):
    register(SourceSpec(name="jsonl", config_model=Cfg, factory=lambda c, ctx: None))
'''

UNKNOWN_HOOK_PLUGIN = '''
from sellintegro_core.api import hookimpl

@hookimpl
def sellintegro_no_such_hook(thing):
    pass
'''

OBSERVER_PLUGIN = '''
import json, os
from sellintegro_core.api import hookimpl

def _log(kind, **data):
    path = os.environ.get("OBSERVER_LOG")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"hook": kind, **data}, default=str) + "\\n")

@hookimpl
def sellintegro_run_started(scenario, window, plan_only):
    _log("started", scenario=scenario, plan_only=plan_only)

@hookimpl
def sellintegro_action_applied(scenario, action, result):
    _log("applied", key=action.key, outcome=result.outcome)

@hookimpl
def sellintegro_run_finished(scenario, report):
    _log("finished", outcome=report["outcome"], exit_code=report["exit_code"])
'''

COMMAND_PLUGIN = '''
from sellintegro_core.api import CommandSpec, hookimpl

def setup(parser):
    parser.add_argument("who")

def run(args):
    print(f"hello {args.who}")
    return 7

@hookimpl
def sellintegro_register_commands(register):
    register(CommandSpec(name="hello", help="say hello", setup=setup, run=run))
'''
