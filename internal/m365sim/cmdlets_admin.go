package m365sim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

func spRow(sp *ExchangeServicePrincipal, org string) map[string]any {
	return map[string]any{
		"Identity": sp.Identity, "Name": sp.ObjectID, "DisplayName": sp.DisplayName,
		"AppId": sp.AppID, "ObjectId": sp.ObjectID, "ServiceId": sp.ObjectID, "Organization": org,
	}
}

func roleAssignmentRow(ra *RoleAssignment, sp *ExchangeServicePrincipal) map[string]any {
	assignee := ra.App
	if sp != nil {
		assignee = sp.ObjectID
	}
	return map[string]any{
		"Identity": ra.Name, "Name": ra.Name, "Guid": ra.Identity, "Role": ra.Role, "RoleAssignee": assignee,
		"RoleAssigneeName": assignee, "RoleAssigneeType": "ServicePrincipal", "AssignmentMethod": "Direct",
		"RoleAssignmentDelegationType": "Regular", "Enabled": true,
		"RecipientWriteScope": "Organization", "ConfigWriteScope": "OrganizationConfig",
	}
}

func (s *Sim) cmdNewServicePrincipal(c *cmdletCall) ([]map[string]any, *cmdletError) {
	appID, cerr := c.params.str("AppId")
	if cerr != nil {
		return nil, cerr
	}
	objectID, cerr := c.params.str("ObjectId")
	if cerr != nil {
		return nil, cerr
	}
	display, cerr := c.params.str("DisplayName")
	if cerr != nil {
		return nil, cerr
	}
	var missing []string
	if appID == "" {
		missing = append(missing, "AppId")
	}
	if objectID == "" {
		missing = append(missing, "ObjectId")
	}
	if len(missing) > 0 {
		return nil, errMissingMandatory(missing...)
	}
	if !isGUID(appID) {
		return nil, errBadArgument("AppId", appID, "System.Guid")
	}
	if !isGUID(objectID) {
		return nil, errBadArgument("ObjectId", objectID, "System.Guid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return nil, errObjectNotFound(c.org, serverName(c.org))
	}
	if display == "" {
		display = objectID
	}
	sp, err := s.newExchangeSPLocked(t, appID, objectID, display)
	if errors.Is(err, ErrAlreadyExists) {
		return nil, badRequest("Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
			fmt.Sprintf("The service principal with AppId '%s' already exists.", appID))
	}
	if err != nil {
		return nil, badRequest("System.ArgumentException", err.Error())
	}
	return []map[string]any{spRow(sp, t.ID)}, nil
}

func (s *Sim) cmdGetServicePrincipal(c *cmdletCall) ([]map[string]any, *cmdletError) {
	id, cerr := c.params.str("Identity")
	if cerr != nil {
		return nil, cerr
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return nil, errObjectNotFound(c.org, serverName(c.org))
	}
	if id != "" {
		sp := t.exchangeSP(id)
		if sp == nil {
			return nil, errObjectNotFound(id, serverName(c.tenant))
		}
		return []map[string]any{spRow(sp, t.ID)}, nil
	}
	rows := []map[string]any{}
	for _, sp := range t.ExchangeSPs {
		rows = append(rows, spRow(sp, t.ID))
	}
	return rows, nil
}

func (s *Sim) cmdNewManagementRoleAssignment(c *cmdletCall) ([]map[string]any, *cmdletError) {
	app, cerr := c.params.str("App")
	if cerr != nil {
		return nil, cerr
	}
	role, cerr := c.params.str("Role")
	if cerr != nil {
		return nil, cerr
	}
	if role == "" {
		return nil, errMissingMandatory("Role")
	}
	if app == "" {
		return nil, errAmbiguousParameterSet()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return nil, errObjectNotFound(c.org, serverName(c.org))
	}
	if _, ok := canonicalExchangeRole(role); !ok {
		return nil, errObjectNotFound(role, serverName(c.tenant))
	}
	if t.exchangeSP(app) == nil {
		return nil, errObjectNotFound(app, serverName(c.tenant))
	}
	ra, err := s.assignRoleLocked(t, app, role)
	if errors.Is(err, ErrAlreadyExists) {
		return nil, badRequest("Microsoft.Exchange.Management.RbacTasks.RoleAssignmentAlreadyExistsException",
			fmt.Sprintf("The role assignment couldn't be created because an identical assignment of role '%s' already exists for '%s'.", role, app))
	}
	if err != nil {
		return nil, errObjectNotFound(app, serverName(c.tenant))
	}
	return []map[string]any{roleAssignmentRow(ra, t.exchangeSP(ra.App))}, nil
}

func (s *Sim) cmdGetManagementRoleAssignment(c *cmdletCall) ([]map[string]any, *cmdletError) {
	id, cerr := c.params.str("Identity")
	if cerr != nil {
		return nil, cerr
	}
	role, cerr := c.params.str("Role")
	if cerr != nil {
		return nil, cerr
	}
	assignee, cerr := c.params.str("RoleAssignee")
	if cerr != nil {
		return nil, cerr
	}
	if a, cerr := c.params.str("App"); cerr != nil {
		return nil, cerr
	} else if a != "" {
		assignee = a
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return nil, errObjectNotFound(c.org, serverName(c.org))
	}
	var spFilter *ExchangeServicePrincipal
	if assignee != "" {
		if spFilter = t.exchangeSP(assignee); spFilter == nil {
			return nil, errObjectNotFound(assignee, serverName(c.tenant))
		}
	}
	rows := []map[string]any{}
	for _, ra := range t.RoleAssignments {
		if id != "" && !strings.EqualFold(ra.Name, id) && !strings.EqualFold(ra.Identity, id) {
			continue
		}
		if role != "" && !strings.EqualFold(ra.Role, role) {
			continue
		}
		if spFilter != nil && ra.App != spFilter.ObjectID {
			continue
		}
		rows = append(rows, roleAssignmentRow(ra, t.exchangeSP(ra.App)))
	}
	if id != "" && len(rows) == 0 {
		return nil, errObjectNotFound(id, serverName(c.tenant))
	}
	return rows, nil
}

func (s *Sim) cmdRemoveManagementRoleAssignment(c *cmdletCall) ([]map[string]any, *cmdletError) {
	id, cerr := c.params.str("Identity")
	if cerr != nil {
		return nil, cerr
	}
	if id == "" {
		return nil, errMissingMandatory("Identity")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(c.tenant)
	if t == nil {
		return nil, errObjectNotFound(c.org, serverName(c.org))
	}
	i := slices.IndexFunc(t.RoleAssignments, func(ra *RoleAssignment) bool {
		return strings.EqualFold(ra.Name, id) || strings.EqualFold(ra.Identity, id)
	})
	if i < 0 {
		return nil, &cmdletError{status: http.StatusNotFound, errID: "Ex6F9304", netType: "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
			text: fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found on '%s'.", id, serverName(c.tenant))}
	}
	t.RoleAssignments = slices.Delete(t.RoleAssignments, i, i+1)
	s.saver.markDirty()
	return nil, nil
}
