package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
)

const (
	totpPeriod        = 30
	recoveryCodeCount = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a started TOTP enrolment: the secret to put in an authenticator app.
type Enrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
}

// BeginTOTP starts (or restarts) the user's TOTP enrolment. Errors: KindConflict if a second
// factor is confirmed already.
func (s *Service) BeginTOTP(ctx context.Context, p *callvault.Principal) (*Enrolment, error) {
	var key *otp.Key
	_, err := s.update(ctx, p.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
		if u.TOTPConfirmedAt != nil {
			return nil, callvault.Errorf(callvault.KindConflict, "a second factor is enrolled already")
		}
		var err error
		key, err = totp.Generate(totp.GenerateOpts{Issuer: "callvault", AccountName: u.Name, Period: totpPeriod,
			Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Rand: rand.Reader})
		if err != nil {
			return nil, callvault.WrapError(callvault.KindInternal, err, "cannot make a TOTP secret")
		}
		u.TOTPSecret = key.Secret()
		return s.event(ctx, u.Actor(), callvault.ActionTOTPEnrol, "user:"+u.ID, nil), nil
	})
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), OTPAuthURL: key.URL()}, nil
}

// ConfirmTOTP confirms the enrolment with a code from the app and returns the recovery codes,
// shown once (only their hashes are kept). Errors: KindConflict if there is no enrolment to
// confirm; KindInvalid for a wrong code.
func (s *Service) ConfirmTOTP(ctx context.Context, p *callvault.Principal, code string) ([]string, error) {
	var codes []string
	_, err := s.update(ctx, p.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
		if u.TOTPSecret == "" || u.TOTPConfirmedAt != nil {
			return nil, callvault.Errorf(callvault.KindConflict, "there is no TOTP enrolment to confirm; start one with POST /api/v1/me/totp")
		}
		step, ok := s.checkCode(u, code)
		if !ok {
			return nil, callvault.Errorf(callvault.KindInvalid, "the code is wrong or too old; enter the current code from the authenticator app")
		}
		now := s.now()
		u.TOTPConfirmedAt, u.TOTPLastStep = &now, step
		codes = make([]string, recoveryCodeCount)
		u.RecoveryHashes = make([]string, recoveryCodeCount)
		for i := range codes {
			var b [10]byte
			rand.Read(b[:])
			c := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
			codes[i] = c[:8] + "-" + c[8:]
			u.RecoveryHashes[i] = hashSecret(codes[i])
		}
		return s.event(ctx, u.Actor(), callvault.ActionTOTPConfirm, "user:"+u.ID, nil), nil
	})
	return codes, err
}

// checkCode checks a six-digit code against the steps around now, refusing a step used before.
func (s *Service) checkCode(u *callvault.User, code string) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 || u.TOTPSecret == "" {
		return 0, false
	}
	now := s.now()
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur, cur - 1, cur + 1} {
		if step <= u.TOTPLastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(u.TOTPSecret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// useSecondFactor checks a TOTP code or a recovery code for sign-in and, if it is good, spends
// it on u (the caller writes u). It reports whether the code was good and whether it was a
// recovery code.
func (s *Service) useSecondFactor(u *callvault.User, code string) (ok, recovery bool) {
	if step, good := s.checkCode(u, code); good {
		u.TOTPLastStep = step
		return true, false
	}
	h := hashSecret(strings.ToLower(strings.TrimSpace(code)))
	if i := slices.Index(u.RecoveryHashes, h); i >= 0 {
		u.RecoveryHashes = slices.Delete(slices.Clone(u.RecoveryHashes), i, i+1)
		return true, true
	}
	return false, false
}
