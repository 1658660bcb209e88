package m365sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	maxInvokeBytes      = 1 << 20
	wwwAuthenticate     = `Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.windows.net/common/oauth2/authorize", error="invalid_token"`
	innerErrorType      = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
	forbiddenBodyLength = 64
)

// cmdletError is an Exchange cmdlet failure rendered as the admin API's
// error envelope.
type cmdletError struct {
	status  int
	errID   string // e.g. Ex6F9304, often empty
	netType string // .NET exception type
	text    string
}

func (e *cmdletError) Error() string { return e.text }

func badRequest(netType, text string) *cmdletError {
	return &cmdletError{status: http.StatusBadRequest, netType: netType, text: text}
}

func errUnknownParameter(name string) *cmdletError {
	return badRequest("System.Management.Automation.ParameterBindingException",
		fmt.Sprintf("A parameter cannot be found that matches parameter name '%s'.", name))
}

func errAmbiguousParameterSet() *cmdletError {
	return badRequest("Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException",
		"Parameter set cannot be resolved using the specified named parameters. One or more parameters issued cannot be used together or an insufficient number of parameters were provided.")
}

func errMissingMandatory(names ...string) *cmdletError {
	return badRequest("System.Management.Automation.ParameterBindingException",
		fmt.Sprintf("Cannot process command because of one or more missing mandatory parameters: %s.", strings.Join(names, " ")))
}

func errBadArgument(param string, value any, typeName string) *cmdletError {
	return badRequest("System.Management.Automation.ParameterBindingException",
		fmt.Sprintf("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%v\" to type \"%s\".", param, value, typeName))
}

func errEnumValue(param, value, typeName string, valid []string) *cmdletError {
	return badRequest("System.Management.Automation.ParameterBindingException",
		fmt.Sprintf("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"%s\". Error: \"Unable to match the identifier name %s to a valid enumerator name. Specify one of the following enumerator names and try again:\r\n%s\"",
			param, value, typeName, value, strings.Join(valid, ", ")))
}

func errRange(param string, v, lo, hi int) *cmdletError {
	if v < lo {
		return badRequest("System.Management.Automation.ParameterBindingValidationException",
			fmt.Sprintf("Cannot validate argument on parameter '%s'. The %d argument is less than the minimum allowed range of %d. Supply an argument that is greater than or equal to %d and then try the command again.", param, v, lo, lo))
	}
	return badRequest("System.Management.Automation.ParameterBindingValidationException",
		fmt.Sprintf("Cannot validate argument on parameter '%s'. The %d argument is greater than the maximum allowed range of %d. Supply an argument that is less than or equal to %d and then try the command again.", param, v, hi, hi))
}

func errObjectNotFound(object, server string) *cmdletError {
	return &cmdletError{status: http.StatusNotFound, errID: "Ex6F9304", netType: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
		text: fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found on '%s'.", object, server)}
}

// writeCmdletError writes the admin API error envelope.
func writeCmdletError(w http.ResponseWriter, e *cmdletError) {
	detail := e.errID + "|" + e.netType + "|" + e.text
	var body map[string]any
	if e.status == http.StatusNotFound {
		body = map[string]any{"error": map[string]any{
			"code": "NotFound", "message": "Error executing cmdlet",
			"details": []map[string]any{{"code": "Client", "message": detail}},
		}}
	} else {
		code := "BadRequest"
		if e.status == http.StatusTooManyRequests {
			code = "TooManyRequests"
		}
		body = map[string]any{"error": map[string]any{
			"code": code, "message": "Invalid Operation",
			"details": []map[string]any{{"code": "Client", "target": "", "message": detail}},
			"innererror": map[string]any{
				"message": "Invalid Operation", "type": innerErrorType,
				"internalexception": map[string]any{"message": e.text, "type": e.netType},
			},
		}}
	}
	writeJSON(w, e.status, body)
}

// writeForbidden writes Exchange's 403: a non-JSON body of NUL bytes
// labelled gzip.
func writeForbidden(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(forbiddenBodyLength))
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(make([]byte, forbiddenBodyLength))
}

func writeUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", wwwAuthenticate)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

// invokeRequest is the InvokeCommand body.
type invokeRequest struct {
	CmdletInput struct {
		CmdletName string                     `json:"CmdletName"`
		Parameters map[string]json.RawMessage `json:"Parameters"`
	} `json:"CmdletInput"`
}

// decodeInvoke decodes an InvokeCommand body.
func decodeInvoke(body []byte) (string, params, error) {
	var req invokeRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return "", nil, fmt.Errorf("m365sim: invoke body: %w: %w", ErrInvalid, err)
	}
	name := strings.TrimSpace(req.CmdletInput.CmdletName)
	if name == "" {
		return "", nil, fmt.Errorf("m365sim: invoke body has no CmdletName: %w", ErrInvalid)
	}
	p := params{}
	for k, v := range req.CmdletInput.Parameters {
		p[strings.ToLower(k)] = param{name: k, raw: v}
	}
	return name, p, nil
}

// cmdletAccess is the permission a cmdlet needs.
type cmdletAccess int

const (
	accessRead cmdletAccess = iota + 1
	accessWrite
	accessAdmin
)

// cmdletSpec describes one emulated cmdlet.
type cmdletSpec struct {
	name   string
	access cmdletAccess
	params []string
	run    func(s *Sim, c *cmdletCall) ([]map[string]any, *cmdletError)
}

// commonParams are accepted by every cmdlet.
var commonParams = []string{"Confirm", "WhatIf", "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ResultSize"}

func cmdletTable() []cmdletSpec {
	return []cmdletSpec{
		{"Get-QuarantineMessage", accessRead, []string{"Page", "PageSize", "StartReceivedDate", "EndReceivedDate", "StartExpiresDate", "EndExpiresDate", "QuarantineTypes", "Type", "Direction", "RecipientAddress", "SenderAddress", "Subject", "MessageId", "ReleaseStatus", "PolicyTypes", "PolicyName", "RecipientTag", "Reported", "EntityType", "Identity", "Domain", "MyItems", "RecipientTag"}, (*Sim).cmdGetQuarantineMessage},
		{"Export-QuarantineMessage", accessRead, []string{"Identity", "Identities", "CompressOutput", "ForceConversionToMime", "Password", "PasswordV2", "ReasonForExport", "RecipientAddress", "EntityType"}, (*Sim).cmdExportQuarantineMessage},
		{"Preview-QuarantineMessage", accessRead, []string{"Identity", "EntityType"}, (*Sim).cmdPreviewQuarantineMessage},
		{"Get-QuarantineMessageHeader", accessRead, []string{"Identity", "EntityType", "RecipientAddress"}, (*Sim).cmdGetQuarantineMessageHeader},
		{"Release-QuarantineMessage", accessWrite, []string{"Identity", "Identities", "ReleaseToAll", "User", "AllowSender", "ReportFalsePositive", "Force", "ActionType", "EntityType"}, (*Sim).cmdReleaseQuarantineMessage},
		{"Delete-QuarantineMessage", accessWrite, []string{"Identity", "Identities", "HardDelete", "RecipientAddress", "EntityType"}, (*Sim).cmdDeleteQuarantineMessage},
		{"New-ServicePrincipal", accessAdmin, []string{"AppId", "ObjectId", "DisplayName", "Organization"}, (*Sim).cmdNewServicePrincipal},
		{"Get-ServicePrincipal", accessAdmin, []string{"Identity", "Organization"}, (*Sim).cmdGetServicePrincipal},
		{"New-ManagementRoleAssignment", accessAdmin, []string{"App", "Role", "Name", "CustomResourceScope", "RecipientAdministrativeUnitScope"}, (*Sim).cmdNewManagementRoleAssignment},
		{"Get-ManagementRoleAssignment", accessAdmin, []string{"Identity", "Role", "RoleAssignee", "App"}, (*Sim).cmdGetManagementRoleAssignment},
		{"Remove-ManagementRoleAssignment", accessAdmin, []string{"Identity"}, (*Sim).cmdRemoveManagementRoleAssignment},
	}
}

func findCmdlet(name string) (cmdletSpec, bool) {
	for _, c := range cmdletTable() {
		if strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	return cmdletSpec{}, false
}

// cmdletCall is one cmdlet invocation with its context.
type cmdletCall struct {
	r      *http.Request
	tenant string // tenant id
	org    string // {org} as addressed
	caller *accessClaims
	params params
	now    time.Time
	faults Faults
}

// handleInvokeCommand serves POST /adminapi/beta/{org}/InvokeCommand.
func (s *Sim) handleInvokeCommand(w http.ResponseWriter, r *http.Request) {
	org := r.PathValue("org")
	info := reqInfoFrom(r.Context())
	if rid := r.Header.Get("client-request-id"); rid != "" {
		w.Header().Set("client-request-id", rid)
	}
	w.Header().Set("request-id", newGUID())

	// Resolve the organization: GUID or initial domain; a vanity domain is 401.
	s.mu.RLock()
	t := s.findTenant(org)
	var tid string
	var f Faults
	vanity := false
	if t != nil {
		tid = t.ID
		f = s.faultsLocked(t)
		vanity = !strings.EqualFold(org, t.ID) && !strings.EqualFold(org, t.InitialDomain())
	}
	s.mu.RUnlock()
	info.tenant = tid
	now := s.now().Add(time.Duration(f.ClockSkew))

	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		writeUnauthorized(w)
		return
	}
	claims, err := s.verifyAccessToken(strings.TrimSpace(raw), now)
	if err != nil {
		writeUnauthorized(w)
		return
	}
	if t == nil {
		writeCmdletError(w, errObjectNotFound(org, serverName(org)))
		return
	}
	if vanity || !strings.EqualFold(claims.Tid, tid) {
		writeUnauthorized(w)
		return
	}
	n, ok := s.limiters.acquire(tid, f.limit())
	if !ok {
		w.Header().Set("Retry-After", f.retryAfter())
		writeCmdletError(w, &cmdletError{status: http.StatusTooManyRequests, netType: "Microsoft.Exchange.AdminApi.CommandInvocation.ThrottlingException", text: concurrencyText})
		return
	}
	defer s.limiters.release(tid)
	s.stats.concurrency(tid, n)
	// Latency is processing time: the request holds its slot meanwhile.
	if err := s.latency(r.Context(), f); err != nil {
		return
	}

	switch s.drawFault(f) {
	case fault429:
		w.Header().Set("Retry-After", f.retryAfter())
		writeCmdletError(w, &cmdletError{status: http.StatusTooManyRequests, netType: "Microsoft.Exchange.AdminApi.CommandInvocation.ThrottlingException", text: concurrencyText})
		return
	case fault503:
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	case fault504:
		http.Error(w, "Gateway Timeout", http.StatusGatewayTimeout)
		return
	case faultDrop:
		dropConnection(w)
		return
	case faultNone:
	}

	if !claims.hasRole(ManageAsAppRole) {
		writeUnauthorized(w)
		return
	}
	body, err := readBody(w, r, maxInvokeBytes)
	if err != nil {
		writeCmdletError(w, badRequest("System.ArgumentException", "The request body could not be read."))
		return
	}
	name, p, err := decodeInvoke(body)
	if err != nil {
		writeCmdletError(w, badRequest("System.ArgumentException", "The request body is not a valid CmdletInput: "+err.Error()))
		return
	}
	spec, known := findCmdlet(name)
	if !known {
		info.cmdlet = name
		writeForbidden(w)
		return
	}
	info.cmdlet = spec.name

	s.mu.RLock()
	tt := s.findTenant(tid)
	var acc exchangeAccess
	if tt != nil {
		acc = tt.accessFor(claims.Oid, claims.Wids)
	}
	s.mu.RUnlock()
	allowed := (spec.access == accessRead && acc.read) || (spec.access == accessWrite && acc.write) || (spec.access == accessAdmin && acc.admin)
	if !allowed {
		writeForbidden(w)
		return
	}
	if cerr := p.checkAllowed(append(slices.Clone(spec.params), commonParams...)); cerr != nil {
		writeCmdletError(w, cerr)
		return
	}
	rows, cerr := spec.run(s, &cmdletCall{r: r, tenant: tid, org: org, caller: claims, params: p, now: now, faults: f})
	if cerr != nil {
		if r.Context().Err() != nil {
			return
		}
		writeCmdletError(w, cerr)
		return
	}
	if rows == nil {
		rows = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context":               baseURL(r) + "/adminapi/beta/" + org + "/$metadata#Collection(Exchange.GenericHashTable)",
		"adminapi.warnings@odata.type": "#Collection(String)",
		"@adminapi.warnings":           []string{},
		"value":                        rows,
	})
}

// serverName is a plausible Exchange server name for error texts.
func serverName(seed string) string {
	g := hashGUID("server", seed)
	return "AM0PR" + strings.ToUpper(g[:2]) + "MB" + strings.ToUpper(g[2:6]) + ".EURPRD01.PROD.OUTLOOK.COM"
}

// param is one cmdlet parameter as sent.
type param struct {
	name string
	raw  json.RawMessage
}

// params are cmdlet parameters keyed by lower-case name.
type params map[string]param

func (p params) checkAllowed(allowed []string) *cmdletError {
	for k, v := range p {
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, k) }) {
			return errUnknownParameter(v.name)
		}
	}
	return nil
}

func (p params) has(name string) bool {
	v, ok := p[strings.ToLower(name)]
	return ok && string(v.raw) != "null"
}

// str reads a string parameter ("" when absent).
func (p params) str(name string) (string, *cmdletError) {
	v, ok := p[strings.ToLower(name)]
	if !ok || string(v.raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v.raw, &s); err != nil {
		var n json.Number
		if json.Unmarshal(v.raw, &n) == nil {
			return n.String(), nil
		}
		return "", errBadArgument(name, string(v.raw), "System.String")
	}
	return s, nil
}

// strs reads a string or an array of strings.
func (p params) strs(name string) ([]string, *cmdletError) {
	v, ok := p[strings.ToLower(name)]
	if !ok || string(v.raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(v.raw, &list); err == nil {
		return list, nil
	}
	s, cerr := p.str(name)
	if cerr != nil {
		return nil, errBadArgument(name, string(v.raw), "System.String[]")
	}
	return []string{s}, nil
}

// integer reads an integer parameter (number or numeric string).
func (p params) integer(name string, def int) (int, *cmdletError) {
	v, ok := p[strings.ToLower(name)]
	if !ok || string(v.raw) == "null" {
		return def, nil
	}
	var n json.Number
	if err := json.Unmarshal(v.raw, &n); err == nil {
		if i, err := strconv.Atoi(n.String()); err == nil {
			return i, nil
		}
		return 0, errBadArgument(name, n.String(), "System.Int32")
	}
	var s string
	if err := json.Unmarshal(v.raw, &s); err == nil {
		if i, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			return i, nil
		}
		return 0, errBadArgument(name, s, "System.Int32")
	}
	return 0, errBadArgument(name, string(v.raw), "System.Int32")
}

// boolean reads a switch or bool parameter.
func (p params) boolean(name string) (bool, *cmdletError) {
	v, ok := p[strings.ToLower(name)]
	if !ok || string(v.raw) == "null" {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(v.raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(v.raw, &s); err == nil {
		if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			return b, nil
		}
		return false, errBadArgument(name, s, "System.Management.Automation.SwitchParameter")
	}
	return false, errBadArgument(name, string(v.raw), "System.Management.Automation.SwitchParameter")
}

// dateTime reads a date parameter (UTC yyyy-MM-ddTHH:mm:ss, RFC 3339 or a
// date).
func (p params) dateTime(name string) (time.Time, bool, *cmdletError) {
	s, cerr := p.str(name)
	if cerr != nil || s == "" {
		return time.Time{}, false, cerr
	}
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02 15:04:05", "2006-01-02", "1/2/2006 15:04:05", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, false, errBadArgument(name, s, "System.DateTime")
}
