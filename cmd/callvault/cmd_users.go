package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// roleFlags collects repeated --role flags.
type roleFlags []callvault.Role

func (r *roleFlags) String() string { return fmt.Sprint(*r) }
func (r *roleFlags) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		role := callvault.Role(strings.TrimSpace(s))
		if !role.HumanRole() {
			return fmt.Errorf("%q is not a user role; use director, dpo, manager, staff or auditor", s)
		}
		*r = append(*r, role)
	}
	return nil
}

func runUsers(ctx context.Context, e env, args []string) error {
	usage := &usageError{msg: "users needs a subcommand: add, list, disable, enable or link",
		hint: "callvault users add NAME --role staff [--email E] [--password-stdin]"}
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "add":
		return runUsersAdd(ctx, e, args[1:])
	case "list":
		return runUsersList(ctx, e, args[1:])
	case "disable", "enable":
		return runUsersDisable(ctx, e, args[0] == "disable", args[1:])
	case "link":
		return runUsersLink(ctx, e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, "Usage: callvault users add NAME --role ROLE [--role ROLE2] [--email E] [--password-stdin] | users list | users disable NAME | users enable NAME | users link NAME")
		return nil
	}
	return usage
}

// readPassword reads one line from stdin: the password, never echoed or logged.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, identity.MaxPasswordLength+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runUsersAdd(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "users add", "users add NAME --role ROLE [--role ROLE2] [--email E] [--password-stdin] [flags]", true)
	var roles roleFlags
	fs.Var(&roles, "role", "a role: director, dpo, manager, staff or auditor (repeat for several)")
	email := fs.String("email", "", "e-mail address, for notifications")
	pwStdin := fs.Bool("password-stdin", false, "read the initial password from standard input instead of printing a set-password link")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "users add needs exactly one user name", hint: "callvault users add sam --role staff"}
	}
	if len(roles) == 0 {
		return &usageError{msg: "users add needs at least one --role", hint: "e.g. --role staff, or --role manager --role staff"}
	}
	var password string
	if *pwStdin {
		var err error
		if password, err = readPassword(e.stdin); err != nil {
			return err
		}
		if password == "" {
			return &usageError{msg: "--password-stdin read an empty password", hint: "echo the password into the command, or leave the flag out to get a set-password link"}
		}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	u, link, err := m.Identity.AddUser(ctx, callvault.Operator(cliActor(e)), identity.NewUser{Name: fs.Arg(0), Email: *email, Roles: roles, Password: password})
	if err != nil {
		switch callvault.ErrorKind(err) {
		case callvault.KindConflict:
			return &usageError{msg: fmt.Sprintf("a user named %q exists", fs.Arg(0)), hint: "users are never deleted; choose another name"}
		case callvault.KindInvalid:
			return &usageError{msg: callvault.ErrorMessage(err)}
		}
		return err
	}
	fmt.Fprintf(e.stdout, "user %s (%s) added with roles %s\n", u.Name, u.ID, joinRoles(u.Roles))
	if link != "" {
		printSetupLink(e.stdout, m.Config.publicURL(), link, "give "+u.Name+" this set-password link")
	}
	return nil
}

func joinRoles(roles []callvault.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func runUsersList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "users list", "users list [flags]", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	users, err := m.Identity.Store.Users(ctx)
	if err != nil {
		return err
	}
	if err := m.audit(ctx, cliActor(e), "user.list", "users", map[string]any{"users": len(users)}); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLES\tEMAIL\tTOTP\tNOTICE\tDISABLED")
	for _, u := range users {
		disabled := "-"
		if u.DisabledAt != nil {
			disabled = u.DisabledAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%d\t%s\n", u.Name, joinRoles(u.Roles), u.Email, u.TOTPConfirmedAt != nil, u.NoticeVersion, disabled)
	}
	return tw.Flush()
}

func userArg(ctx context.Context, e env, fs interface {
	NArg() int
	Arg(int) string
}, m *Main) (*callvault.User, error) {
	if fs.NArg() != 1 {
		return nil, &usageError{msg: "give exactly one user name", hint: "see `callvault users list`"}
	}
	u, err := m.Identity.Store.UserByName(ctx, fs.Arg(0))
	if callvault.IsKind(err, callvault.KindNotFound) {
		return nil, &usageError{msg: fmt.Sprintf("no user named %q", fs.Arg(0)), hint: "see `callvault users list`"}
	}
	return u, err
}

func runUsersDisable(ctx context.Context, e env, disable bool, args []string) error {
	name := "users enable"
	if disable {
		name = "users disable"
	}
	fs := newFlagSet(e, name, name+" NAME [flags]", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	u, err := userArg(ctx, e, fs, m)
	if err != nil {
		return err
	}
	if _, err := m.Identity.SetDisabled(ctx, callvault.Operator(cliActor(e)), u.ID, disable); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "user %s %sd\n", u.Name, strings.TrimPrefix(name, "users "))
	return nil
}

func runUsersLink(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "users link", "users link NAME [flags]", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	u, err := userArg(ctx, e, fs, m)
	if err != nil {
		return err
	}
	link, err := m.Identity.IssueSetupLink(ctx, cliActor(e), u.ID)
	if err != nil {
		return err
	}
	printSetupLink(e.stdout, m.Config.publicURL(), link, "give "+u.Name+" this set-password link")
	return nil
}
