package mailtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Address is a mail address as mailpit reports it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is a message mailpit received. Messages fills the summary fields; Message also
// fills Text and Date.
type Message struct {
	ID        string    `json:"ID"`        // mailpit's database ID
	MessageID string    `json:"MessageID"` // the Message-ID header, without <>
	From      *Address  `json:"From"`
	To        []Address `json:"To"`
	Cc        []Address `json:"Cc"`
	Bcc       []Address `json:"Bcc"` // envelope recipients not named in To or Cc
	Subject   string    `json:"Subject"`
	Username  string    `json:"Username"` // SMTP AUTH user, if any
	Created   time.Time `json:"Created"`
	Date      time.Time `json:"Date"`
	Text      string    `json:"Text"`
}

// Recipients returns every address the message was delivered to (To, Cc and Bcc).
func (m *Message) Recipients() []string {
	var out []string
	for _, l := range [][]Address{m.To, m.Cc, m.Bcc} {
		for _, a := range l {
			out = append(out, a.Address)
		}
	}
	return out
}

// Messages returns the summaries of every message the server holds, newest first.
func (m *Mailpit) Messages(ctx context.Context) ([]Message, error) {
	var out []Message
	for start := 0; ; {
		var page struct {
			Total    int       `json:"total"`
			Messages []Message `json:"messages"`
		}
		q := url.Values{"start": {strconv.Itoa(start)}, "limit": {"200"}}
		if err := m.get(ctx, "/api/v1/messages?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		out = append(out, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return out, nil
		}
	}
}

// Message returns the message with mailpit's ID id, its text included.
func (m *Mailpit) Message(ctx context.Context, id string) (*Message, error) {
	var msg Message
	if err := m.get(ctx, "/api/v1/message/"+url.PathEscape(id), &msg); err != nil {
		return nil, err
	}
	return &msg, nil
}

// WaitMessages polls the API (mailpit has no push) until the server holds at least n messages
// or ctx ends, and returns them all, each read in full, oldest first.
func (m *Mailpit) WaitMessages(ctx context.Context, n int) ([]*Message, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		sums, err := m.Messages(ctx)
		if err == nil && len(sums) >= n {
			out := make([]*Message, 0, len(sums))
			for i := len(sums) - 1; i >= 0; i-- {
				msg, err := m.Message(ctx, sums[i].ID)
				if err != nil {
					return nil, err
				}
				out = append(out, msg)
			}
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("mailpit holds %d messages, want %d: %w (last error: %v)", len(sums), n, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

func (m *Mailpit) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.APIURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("mailpit API %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("mailpit API %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailpit API %s: %s: %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("mailpit API %s: %w", path, err)
	}
	return nil
}
