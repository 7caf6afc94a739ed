package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxJPEG bounds one thumbnail; anything larger is a broken stream.
const maxJPEG = 8 << 20

// mpjpegReader splits ffmpeg's multipart JPEG output (-f mpjpeg) into
// pictures. Parts without a Content-length are split at the JPEG end marker.
type mpjpegReader struct {
	r *bufio.Reader
}

func newMPJPEGReader(r io.Reader) *mpjpegReader {
	return &mpjpegReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next JPEG picture, or io.EOF at the end of the stream.
func (m *mpjpegReader) Next() ([]byte, error) {
	// Skip to a boundary line ("--ffmpeg").
	for {
		line, err := m.r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("media: reading thumbnails: %w", err)
		}
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			break
		}
	}
	length := -1
	for {
		line, err := m.r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("media: thumbnail part header: %w", io.ErrUnexpectedEOF)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Content-length") {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 || n > maxJPEG {
				return nil, fmt.Errorf("media: bad thumbnail length %q", v)
			}
			length = n
		}
	}
	if length >= 0 {
		buf := make([]byte, length)
		if _, err := io.ReadFull(m.r, buf); err != nil {
			return nil, fmt.Errorf("media: thumbnail body: %w", err)
		}
		return buf, nil
	}
	// No length: read to the JPEG end-of-image marker.
	var buf bytes.Buffer
	var prev byte
	for buf.Len() < maxJPEG {
		b, err := m.r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("media: thumbnail body: %w", io.ErrUnexpectedEOF)
		}
		buf.WriteByte(b)
		if prev == 0xff && b == 0xd9 {
			return buf.Bytes(), nil
		}
		prev = b
	}
	return nil, errors.New("media: thumbnail larger than 8 MiB")
}
