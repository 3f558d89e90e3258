/**
 * Policy rules: parsing v1 operands (`{objectType, lhs, rhs}`) and v2 operands (`{objectType, values}` /
 * `{objectType, entryValues:[{lhs,rhs}]}`) into ONE stored form, and rendering it. Every response is v1-shaped,
 * one operand per value, rhs coerced to a string (docs/zscaler-api.md §5.9; recorded v2 create echoed "3251059" for 3251059).
 */
import { errors, fail } from './errors.js';
import { asObject, bool, compact, enumOf, idRefs, list, str, stringList, type Json } from './json.js';
import { DEFAULT_RULE_NAME, POLICY_TYPES } from './policy-types.js';
import { SIM_ADMIN_ID, type Condition, type PolicySet, type Rule, type Store } from './store.js';

/** v2 list-style object types (`values`) and pair-style ones (`entryValues`), docs/zscaler-api.md §2.8. */
const LIST_STYLE = [
  'APP',
  'APP_GROUP',
  'CLIENT_TYPE',
  'MACHINE_GRP',
  'LOCATION',
  'EDGE_CONNECTOR_GROUP',
  'BRANCH_CONNECTOR_GROUP',
  'CONSOLE',
  'USER_PORTAL',
  'CHROME_POSTURE_PROFILE',
  'IDP',
  'CLOUD_CONNECTOR_GROUP',
];
const PAIR_STYLE = [
  'SAML',
  'SCIM',
  'SCIM_GROUP',
  'POSTURE',
  'TRUSTED_NETWORK',
  'PLATFORM',
  'COUNTRY_CODE',
  'RISK_FACTOR_TYPE',
  'CHROME_ENTERPRISE',
];

/** GET /clientTypes (docs/zscaler-api.md §2.9); CLIENT_TYPE operands must name one of these. */
export const CLIENT_TYPES: Record<string, string> = {
  zpn_client_type_exporter: 'Web Browser',
  zpn_client_type_exporter_noauth: 'Web Browser Unauthenticated',
  zpn_client_type_machine_tunnel: 'Machine Tunnel',
  zpn_client_type_edge_connector: 'Cloud Connector',
  zpn_client_type_zia_inspection: 'ZIA Inspection',
  zpn_client_type_zapp: 'Client Connector',
  zpn_client_type_slogger: 'ZPA LSS',
  zpn_client_type_browser_isolation: 'Cloud Browser',
  zpn_client_type_ip_anchoring: 'ZIA Service Edge',
  zpn_client_type_zapp_partner: 'Client Connector Partner',
  zpn_client_type_branch_connector: 'Branch Connector',
  zpn_client_type_vdi: 'Client Connector for VDI',
};
export const PLATFORMS: Record<string, string> = {
  linux: 'Linux',
  android: 'Android',
  windows: 'Windows',
  ios: 'iOS',
  mac: 'Mac',
};

const RULE_EXTRAS = [
  'reauthTimeout',
  'reauthIdleTimeout',
  'zpnIsolationProfileId',
  'zpnInspectionProfileId',
  'zpnCbiProfileId',
];

interface OperandInput {
  objectType: string;
  lhs: string;
  rhs: string;
  idpId?: string;
}
interface ConditionInput {
  operator: string;
  negated: boolean;
  operands: OperandInput[];
}
export type RuleInput = Pick<
  Rule,
  | 'name'
  | 'description'
  | 'action'
  | 'customMsg'
  | 'disabled'
  | 'appServerGroupIds'
  | 'appConnectorGroupIds'
  | 'extras'
  | 'extranetEnabled'
> & {
  conditions: ConditionInput[];
};

/**
 * Referenced objects must exist. A missing APP / APP_GROUP id, an unknown client type or platform answers
 * 400 `invalid.resource.argument` naming the object type, with the bad value in params [simulator choice].
 */
function checkReference(op: OperandInput, store: Store): void {
  const known =
    op.objectType === 'APP'
      ? store.segments.has(op.rhs)
      : op.objectType === 'APP_GROUP'
        ? store.segmentGroups.has(op.rhs)
        : op.objectType === 'CLIENT_TYPE'
          ? op.rhs in CLIENT_TYPES
          : op.objectType === 'PLATFORM'
            ? op.lhs in PLATFORMS
            : true;
  if (!known) fail(errors.invalidField(op.objectType, [op.objectType === 'PLATFORM' ? op.lhs : op.rhs]));
}

function parseOperands(raw: Json, version: 1 | 2): OperandInput[] {
  const objectType = str(raw, 'objectType');
  if (!objectType || ![...LIST_STYLE, ...PAIR_STYLE].includes(objectType)) fail(errors.invalidField('objectType'));
  const idpId = str(raw, 'idpId');
  const withIdp = (o: OperandInput): OperandInput => (idpId ? { ...o, idpId } : o);
  if (version === 1) {
    const lhs = str(raw, 'lhs');
    const rhs = str(raw, 'rhs');
    if (lhs === undefined) fail(errors.invalidField('lhs'));
    if (rhs === undefined) fail(errors.invalidField('rhs'));
    return [withIdp({ objectType, lhs, rhs })];
  }
  if (LIST_STYLE.includes(objectType)) {
    const values = stringList(raw, 'values') ?? [];
    if (values.length === 0) fail(errors.invalidField('values'));
    return values.map((rhs) => withIdp({ objectType, lhs: 'id', rhs }));
  }
  const entries = list(raw, 'entryValues') ?? [];
  if (entries.length === 0) fail(errors.invalidField('entryValues'));
  return entries.map((e) => {
    const pair = asObject(e);
    const lhs = str(pair, 'lhs');
    const rhs = str(pair, 'rhs');
    if (lhs === undefined || rhs === undefined) fail(errors.invalidField('entryValues'));
    return withIdp({ objectType, lhs, rhs });
  });
}

export function parseRule(b: Json, version: 1 | 2, ps: PolicySet, store: Store): RuleInput {
  const info = POLICY_TYPES[ps.typeName];
  const name = str(b, 'name');
  if (!name) fail(errors.invalidField('name'));
  const action = str(b, 'action') ?? info.defaultAction;
  if (!info.actions.includes(action)) fail(errors.invalidField('action', [action]));
  const conditions = (list(b, 'conditions') ?? []).map((c): ConditionInput => {
    const raw = asObject(c);
    const operands = (list(raw, 'operands') ?? []).flatMap((o) => parseOperands(asObject(o), version));
    for (const op of operands) checkReference(op, store);
    return {
      operator: enumOf(raw, 'operator', ['AND', 'OR']) ?? 'OR',
      negated: bool(raw, 'negated') ?? false,
      operands,
    };
  });
  const extras: Record<string, string> = {};
  for (const k of RULE_EXTRAS) {
    const v = str(b, k);
    if (v !== undefined) extras[k] = v;
  }
  // `ruleOrder` in the body is ignored: SDKs send null and position rules with the reorder endpoints; whether a
  // value is honoured is not established (docs/zscaler-api.md §2.8, tf #166/#192) [simulator choice].
  return {
    name,
    description: str(b, 'description'),
    action,
    customMsg: str(b, 'customMsg'),
    disabled: enumOf(b, 'disabled', ['0', '1']) ?? '0',
    conditions: conditions.filter((c) => c.operands.length > 0),
    appServerGroupIds: idRefs(b, 'appServerGroups') ?? [],
    appConnectorGroupIds: idRefs(b, 'appConnectorGroups') ?? [],
    extras,
    extranetEnabled: bool(b, 'extranetEnabled') ?? false,
  };
}

/** Fresh condition and operand ids every time: a PUT replaces conditions wholesale [rec]. */
export function materialize(conditions: ConditionInput[], store: Store): Condition[] {
  const at = store.now();
  const stamp = { creationTime: at, modifiedTime: at, modifiedBy: SIM_ADMIN_ID };
  return conditions.map((c) => ({
    id: store.newConditionId(),
    ...stamp,
    operator: c.operator,
    negated: c.negated,
    operands: c.operands.map((o) => ({ id: store.newConditionId(), ...stamp, ...o })),
  }));
}

function operandName(objectType: string, lhs: string, rhs: string, store: Store): string {
  if (objectType === 'APP') return store.segments.get(rhs)?.name ?? rhs;
  if (objectType === 'APP_GROUP') return store.segmentGroups.get(rhs)?.name ?? rhs;
  if (objectType === 'PLATFORM') return lhs;
  return rhs;
}

/**
 * `create1`: the v1 POST echo; `create2`: the v2 POST echo (adds extranetEnabled, the posture flag and the two
 * empty privileged maps); `get`: GET rule and list items (adds policySetId, `ruleGid`, operand `name` and
 * `conditionId`; ACCESS_POLICY items also carry extranetEnabled). All per the recordings.
 */
export function ruleView(rule: Rule, ps: PolicySet, store: Store, view: 'create1' | 'create2' | 'get'): Json {
  const order = ps.ruleIds.indexOf(rule.id) + 1;
  const isGet = view === 'get';
  const meta = (o: { creationTime: string; modifiedTime: string; modifiedBy: string }) => ({
    modifiedTime: o.modifiedTime,
    creationTime: o.creationTime,
    modifiedBy: o.modifiedBy,
  });
  const conditions = rule.conditions.map((c) =>
    compact({
      id: c.id,
      ...meta(c),
      operator: c.operator,
      negated: c.negated,
      operands: c.operands.map((o) =>
        compact({
          id: o.id,
          ...meta(o),
          objectType: o.objectType,
          lhs: o.lhs,
          rhs: o.rhs,
          idpId: o.idpId,
          ...(isGet ? { name: operandName(o.objectType, o.lhs, o.rhs, store), conditionId: c.id } : {}),
        }),
      ),
      ruleGid: isGet ? rule.id : undefined,
    }),
  );
  const groups = (ids: string[]) =>
    ids.map((id) =>
      compact({ id, name: store.serverGroups.get(id)?.name ?? store.connectorGroups.get(id)?.fields.name }),
    );
  return compact({
    id: rule.id,
    ...meta(rule),
    name: rule.name,
    description: rule.description,
    ruleOrder: String(order),
    // priority is the inverse of ruleOrder over all rules including the default one [rec].
    priority: String(ps.ruleIds.length - order + 1),
    policyType: ps.policyType,
    operator: 'AND',
    action: rule.action,
    customMsg: rule.customMsg,
    ...rule.extras,
    disabled: rule.disabled,
    extranetEnabled:
      view === 'create2' || (isGet && ps.typeName === 'ACCESS_POLICY') ? rule.extranetEnabled : undefined,
    devicePostureFailureNotificationEnabled: view === 'create1' ? undefined : false,
    privilegedCapabilities: view === 'create2' ? {} : undefined,
    privilegedPortalCapabilities: view === 'create2' ? {} : undefined,
    policySetId: isGet ? ps.id : undefined,
    conditions,
    appServerGroups: groups(rule.appServerGroupIds),
    appConnectorGroups: groups(rule.appConnectorGroupIds),
    defaultRuleName: POLICY_TYPES[ps.typeName].defaultRule ? DEFAULT_RULE_NAME : undefined,
    defaultRule: rule.defaultRule,
    readOnly: false,
    zscalerManaged: false,
  });
}
