"""Reference Whisper log-mel features for whisper-features.test.ts (numpy only, written from the
HF WhisperFeatureExtractor description: chunk_length 8, do_normalize). Regenerate with
    python3 agent/src/conversation/turn/testdata/whisper-reference.py > agent/src/conversation/turn/testdata/whisper-reference.json
The test signal must match testSignal() in whisper-features.test.ts."""
import json
import numpy as np

SR, N_FFT, HOP, N_MELS = 16000, 400, 160, 80


def test_signal():
    t = np.arange(128000, dtype=np.float64) / SR
    v = np.zeros_like(t)
    a = (t >= 2) & (t < 5)
    v[a] += 0.3 * np.sin(2 * np.pi * 440 * t[a])
    b = (t >= 4) & (t < 7.5)
    v[b] += 0.2 * np.sin(2 * np.pi * 1500 * t[b])
    return v.astype(np.float32)


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    return np.where(f < 1000, 3 * f / 200, 15 + np.log(np.maximum(f, 1e-9) / 1000) * 27 / np.log(6.4))


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    return np.where(m < 15, 200 * m / 3, 1000 * np.exp((m - 15) * np.log(6.4) / 27))


def filters():
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SR / 2), N_MELS + 2))
    fft_freqs = np.linspace(0, SR // 2, N_FFT // 2 + 1)
    fb = np.zeros((N_MELS, N_FFT // 2 + 1))
    for m in range(N_MELS):
        down = (fft_freqs - edges[m]) / (edges[m + 1] - edges[m])
        up = (edges[m + 2] - fft_freqs) / (edges[m + 2] - edges[m + 1])
        fb[m] = np.maximum(0, np.minimum(down, up)) * 2.0 / (edges[m + 2] - edges[m])
    return fb


def features(x):
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), (N_FFT // 2, N_FFT // 2), mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    frames = np.stack([padded[i : i + N_FFT] for i in range(0, len(padded) - N_FFT + 1, HOP)])
    power = np.abs(np.fft.rfft(frames * window, axis=-1)) ** 2
    mel = np.maximum(1e-10, filters() @ power.T)
    log = np.log10(mel)[:, :-1]
    log = np.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0).astype(np.float32)


f = features(test_signal())
frames = [0, 250, 450, 700, 799]
print(json.dumps({
    "shape": list(f.shape),
    "frames": {str(t): [round(float(v), 5) for v in f[:, t]] for t in frames},
    "mean": round(float(f.mean()), 6),
}))
