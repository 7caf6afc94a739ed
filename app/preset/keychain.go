package preset

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// KeychainService is the service name srtscope's passphrases are filed
// under in the OS keychain.
const KeychainService = "srtscope"

// ErrNoKeychain means no usable OS keychain answered (no Secret Service on
// Linux, a locked or missing keychain elsewhere). Passphrases must then be
// typed each time.
var ErrNoKeychain = errors.New("preset: no keychain on this computer")

// ErrNoSecret means the keychain holds no passphrase for a preset.
var ErrNoSecret = errors.New("preset: no passphrase in the keychain")

// Keychain keeps passphrases outside srtscope's files. Keys are preset IDs.
type Keychain interface {
	Get(key string) (string, error)
	Set(key, secret string) error
	Delete(key string) error
}

// SystemKeychain is the OS keychain through go-keyring (Secret Service on
// Linux, Keychain on macOS, Credential Manager on Windows). Any failure to
// reach it is reported as ErrNoKeychain; calls give up after Timeout.
type SystemKeychain struct {
	Timeout time.Duration // 0 means 5 s
}

func (k SystemKeychain) call(fn func() error) error {
	d := k.Timeout
	if d <= 0 {
		d = 5 * time.Second
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		switch {
		case err == nil:
			return nil
		case errors.Is(err, keyring.ErrNotFound):
			return ErrNoSecret
		default:
			return fmt.Errorf("%w (%w)", ErrNoKeychain, err)
		}
	case <-t.C:
		return fmt.Errorf("%w (it did not answer within %v)", ErrNoKeychain, d)
	}
}

// Get implements Keychain.
func (k SystemKeychain) Get(key string) (string, error) {
	var s string
	err := k.call(func() error {
		var err error
		s, err = keyring.Get(KeychainService, key)
		return err
	})
	return s, err
}

// Set implements Keychain.
func (k SystemKeychain) Set(key, secret string) error {
	return k.call(func() error { return keyring.Set(KeychainService, key, secret) })
}

// Delete implements Keychain.
func (k SystemKeychain) Delete(key string) error {
	return k.call(func() error { return keyring.Delete(KeychainService, key) })
}

// MemoryKeychain keeps passphrases in memory for the life of the process.
// It stands in for the OS keychain where there is none to talk to (tests,
// CI machines without a Secret Service). With Unavailable it answers every
// call as a computer without a keychain does. The zero value is ready.
type MemoryKeychain struct {
	Unavailable bool

	mu      sync.Mutex
	secrets map[string]string
}

// Get implements Keychain.
func (k *MemoryKeychain) Get(key string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.Unavailable {
		return "", ErrNoKeychain
	}
	s, ok := k.secrets[key]
	if !ok {
		return "", ErrNoSecret
	}
	return s, nil
}

// Set implements Keychain.
func (k *MemoryKeychain) Set(key, secret string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.Unavailable {
		return ErrNoKeychain
	}
	if k.secrets == nil {
		k.secrets = map[string]string{}
	}
	k.secrets[key] = secret
	return nil
}

// Delete implements Keychain.
func (k *MemoryKeychain) Delete(key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.Unavailable {
		return ErrNoKeychain
	}
	delete(k.secrets, key)
	return nil
}
