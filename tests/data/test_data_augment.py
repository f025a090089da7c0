"""Batched augmentation and noise: equal to torchvision's ops, vectorised, deterministic."""

from __future__ import annotations

import pytest
import torch
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from phnlab.data import augment as A

MEAN, STD = (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)


def _images(n=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, 32, 32), generator=g, dtype=torch.uint8)


def test_to_float_is_to_tensor():
    x = _images(2)
    ref = torch.stack([v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])(im) for im in x])
    assert torch.allclose(A.to_float(x), ref, atol=1e-7)


def test_noise_ops_equal_torchvision():
    x = A.to_float(_images())
    low_contrast = x * 0.4 + 0.3
    assert torch.allclose(A.solarize(x), TF.solarize(x, 0.5), atol=1e-6)
    assert torch.allclose(A.gaussian_blur(x, 0.9), TF.gaussian_blur(x, [5, 5], [0.9, 0.9]), atol=1e-5)
    sig = torch.tensor([0.6, 0.62, 0.65, 0.68, 0.7])
    ref = torch.stack([TF.gaussian_blur(x[i], [5, 5], [float(s), float(s)]) for i, s in enumerate(sig)])
    assert torch.allclose(A.gaussian_blur(x, sig), ref, atol=1e-5)
    assert torch.allclose(A.autocontrast(low_contrast), TF.autocontrast(low_contrast), atol=1e-5)
    flat = torch.full((1, 3, 32, 32), 0.3)
    assert torch.allclose(A.autocontrast(flat), TF.autocontrast(flat))
    assert torch.allclose(A.grayscale(x), TF.rgb_to_grayscale(x, num_output_channels=3), atol=1e-6)


def test_noise_pipelines_equal_torchvision_transforms():
    """The noisy stream's transforms as the paper composes them (after ToTensor), image by image."""
    x = A.to_float(_images(4, seed=1))
    solar = v2.RandomSolarize(threshold=0.5, p=1.0)
    blur = v2.GaussianBlur(5, sigma=0.9)
    assert torch.allclose(A.apply_noise(x, "solarize"), torch.stack([solar(im) for im in x]), atol=1e-6)
    assert torch.allclose(A.apply_noise(x, "blur"), torch.stack([blur(im) for im in x]), atol=1e-5)
    g = torch.Generator().manual_seed(7)
    got = A.apply_noise(x, "autocontrast-grey-blur", generator=g)
    sig = 0.6 + 0.1 * torch.rand(4, generator=torch.Generator().manual_seed(7))  # the draws made above
    assert ((sig >= 0.6) & (sig <= 0.7)).all()
    ref = torch.stack([
        TF.gaussian_blur(TF.rgb_to_grayscale(TF.autocontrast(im), 3), [5, 5], [float(s)] * 2) for im, s in zip(x, sig)
    ])
    assert torch.allclose(got, ref, atol=1e-5)
    assert torch.equal(got[:, 0], got[:, 1])  # grey


def test_unknown_noise():
    with pytest.raises(Exception, match="unknown noise"):
        A.apply_noise(torch.zeros(1, 3, 4, 4), "fog")


def test_crop_flip_is_a_padded_window_per_sample():
    x = A.to_float(_images(16))
    out = A.random_crop_flip(x, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    pad = torch.nn.functional.pad(x, (4, 4, 4, 4))
    offsets = set()
    for i in range(16):
        found = [(oy, ox, f) for oy in range(9) for ox in range(9) for f in (0, 1)
                 if torch.equal(out[i], (lambda w: w.flip(-1) if f else w)(pad[i, :, oy:oy + 32, ox:ox + 32]))]
        assert found, f"sample {i} is not a crop of its padded image"
        offsets.add(found[0])
    assert len(offsets) > 4  # offsets / flips differ across samples
    assert {f for _, _, f in offsets} == {0, 1}


def test_prepare_deterministic_and_eval_exact():
    x = _images(8)
    a = A.prepare(x, train=True, noise="autocontrast-grey-blur", mean=MEAN, std=STD, generator=torch.Generator().manual_seed(3))
    b = A.prepare(x, train=True, noise="autocontrast-grey-blur", mean=MEAN, std=STD, generator=torch.Generator().manual_seed(3))
    c = A.prepare(x, train=True, noise="autocontrast-grey-blur", mean=MEAN, std=STD, generator=torch.Generator().manual_seed(4))
    assert a.dtype == torch.float32 and a.shape == (8, 3, 32, 32)
    assert torch.equal(a, b) and not torch.equal(a, c)
    ev = A.prepare(x, train=False, noise=None, mean=MEAN, std=STD)
    ref = v2.Normalize(MEAN, STD)(x.float() / 255)
    assert torch.allclose(ev, ref, atol=1e-6)
    assert A.prepare(x, train=True, noise=None, mean=MEAN, std=STD).shape == x.shape  # no generator: default RNG


def test_sample_transform_matches_batch_path():
    x = _images(3)
    for noise in (None,) + A.NOISES[:2]:
        t = A.SampleTransform(train=False, noise=noise, mean=MEAN, std=STD)
        assert torch.allclose(torch.stack([t(im) for im in x]), A.prepare(x, train=False, noise=noise, mean=MEAN, std=STD))
    import pickle

    assert pickle.loads(pickle.dumps(t)).noise == t.noise


@pytest.mark.cuda
def test_cuda_matches_cpu():
    x = _images(6)
    for gen_dev in ("cpu", "cuda"):
        g1 = torch.Generator(device=gen_dev).manual_seed(1)
        g2 = torch.Generator(device=gen_dev).manual_seed(1)
        a = A.prepare(x.cuda(), train=True, noise="autocontrast-grey-blur", mean=MEAN, std=STD, generator=g1)
        b = A.prepare(x.cuda(), train=True, noise="autocontrast-grey-blur", mean=MEAN, std=STD, generator=g2)
        assert a.is_cuda and torch.equal(a, b)
    gc, gg = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    cpu = A.prepare(x, train=True, noise="blur", mean=MEAN, std=STD, generator=gc)
    gpu = A.prepare(x.cuda(), train=True, noise="blur", mean=MEAN, std=STD, generator=gg)
    assert torch.allclose(cpu, gpu.cpu(), atol=1e-5)
