"""Media of the TUMS simulator: a live HTTP-FLV stream of hand-built H.264 pictures.

No encoder is needed: every picture is Baseline H.264 made of I_PCM macroblocks (raw
samples), so any picture can be written byte for byte. A keyframe (IDR) comes once a
second and shows a test card: coloured bands that shift shade, and a white bar that moves
one macroblock to the right each second. The frames between are P frames that skip every
macroblock (they repeat the keyframe), so the stream stays small.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from itertools import count, islice
import re
import struct
from typing import Final

# What the simulator serves unless told otherwise: a size a picture card shows well.
STREAM_WIDTH: Final = 320
STREAM_HEIGHT: Final = 180

MB: Final = 16  # a macroblock is 16x16 luma samples
_MB_SAMPLES: Final = MB * MB + 2 * (MB // 2) ** 2  # 4:2:0: 256 luma + 64 Cb + 64 Cr
# mb_type ue(25) = I_PCM (9 bits) then 7 pcm_alignment_zero_bits, when byte-aligned.
_PCM_MB_TYPE_ALIGNED: Final = b"\x0d\x00"


def _amf_string(value: str) -> bytes:
    data = value.encode()
    return struct.pack(">H", len(data)) + data


def _amf_value(value: float | str) -> bytes:
    if isinstance(value, str):
        return b"\x02" + _amf_string(value)
    return b"\x00" + struct.pack(">d", float(value))


def flv_tag(tag_type: int, timestamp_ms: int, payload: bytes) -> bytes:
    """One FLV tag followed by its PreviousTagSize."""
    header = (
        bytes([tag_type])
        + len(payload).to_bytes(3, "big")
        + (timestamp_ms & 0xFFFFFF).to_bytes(3, "big")
        + bytes([(timestamp_ms >> 24) & 0xFF])
        + b"\x00\x00\x00"
    )
    tag = header + payload
    return tag + struct.pack(">I", len(tag))


FLV_HEADER: Final = b"FLV\x01\x01\x00\x00\x00\x09" + b"\x00\x00\x00\x00"  # video only


class _Bits:
    """An MSB-first bit writer with Exp-Golomb codes, for H.264 headers."""

    def __init__(self) -> None:
        self.bits: list[int] = []

    def u(self, count: int, value: int) -> None:
        self.bits += [(value >> (count - 1 - i)) & 1 for i in range(count)]

    def ue(self, value: int) -> None:
        code = value + 1
        length = code.bit_length()
        self.u(length - 1, 0)
        self.u(length, code)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        while len(self.bits) % 8:
            self.bits.append(0)

    def to_bytes(self) -> bytes:
        """The bits so far, which must end on a byte boundary."""
        if len(self.bits) % 8:
            raise ValueError("not on a byte boundary")
        return bytes(
            int("".join(map(str, self.bits[i : i + 8])), 2) for i in range(0, len(self.bits), 8)
        )

    def trailing(self) -> bytes:
        self.bits.append(1)
        self.align_zero()
        return self.to_bytes()


_NEEDS_ESCAPE = re.compile(b"\x00\x00(?=[\x00-\x03])")


def _escape(rbsp: bytes) -> bytes:
    """Insert emulation-prevention bytes (00 00 0x -> 00 00 03 0x)."""
    return _NEEDS_ESCAPE.sub(b"\x00\x00\x03", rbsp)


def _nal(nal_type: int, ref_idc: int, rbsp: bytes) -> bytes:
    return bytes([(ref_idc << 5) | nal_type]) + _escape(rbsp)


def _mbs(width: int, height: int) -> tuple[int, int]:
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError("width and height must be even and positive")
    return -(-width // MB), -(-height // MB)


def h264_sps(width: int = MB, height: int = MB) -> bytes:
    """Baseline profile, POC type 2, one reference frame, cropped to ``width`` x ``height``."""
    width_mbs, height_mbs = _mbs(width, height)
    mbs = width_mbs * height_mbs
    level = 10 if mbs <= 99 else 20 if mbs <= 396 else 30 if mbs <= 1620 else 40
    bits = _Bits()
    bits.u(8, 66)  # profile_idc: Baseline
    bits.u(8, 0b11000000)  # constraint_set0/1
    bits.u(8, level)
    bits.ue(0)  # seq_parameter_set_id
    bits.ue(0)  # log2_max_frame_num_minus4
    bits.ue(2)  # pic_order_cnt_type
    bits.ue(1)  # max_num_ref_frames
    bits.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    bits.ue(width_mbs - 1)  # pic_width_in_mbs_minus1
    bits.ue(height_mbs - 1)  # pic_height_in_map_units_minus1
    bits.u(1, 1)  # frame_mbs_only_flag
    bits.u(1, 1)  # direct_8x8_inference_flag
    crop_right, crop_bottom = (width_mbs * MB - width) // 2, (height_mbs * MB - height) // 2
    cropping = bool(crop_right or crop_bottom)
    bits.u(1, int(cropping))  # frame_cropping_flag (offsets in 2-sample units, 4:2:0)
    if cropping:
        for offset in (0, crop_right, 0, crop_bottom):
            bits.ue(offset)
    bits.u(1, 0)  # vui_parameters_present_flag
    return _nal(7, 3, bits.trailing())


def h264_pps() -> bytes:
    """CAVLC, no slice groups, QP 26."""
    bits = _Bits()
    bits.ue(0)  # pic_parameter_set_id
    bits.ue(0)  # seq_parameter_set_id
    bits.u(1, 0)  # entropy_coding_mode_flag (CAVLC)
    bits.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    bits.ue(0)  # num_slice_groups_minus1
    bits.ue(0)  # num_ref_idx_l0_default_active_minus1
    bits.ue(0)  # num_ref_idx_l1_default_active_minus1
    bits.u(1, 0)  # weighted_pred_flag
    bits.u(2, 0)  # weighted_bipred_idc
    bits.se(0)  # pic_init_qp_minus26
    bits.se(0)  # pic_init_qs_minus26
    bits.se(0)  # chroma_qp_index_offset
    bits.u(1, 1)  # deblocking_filter_control_present_flag
    bits.u(1, 0)  # constrained_intra_pred_flag
    bits.u(1, 0)  # redundant_pic_cnt_present_flag
    return _nal(8, 3, bits.trailing())


def pcm_macroblock(luma: int, cb: int = 128, cr: int = 128) -> bytes:
    """The raw samples of one flat macroblock."""
    return bytes([luma]) * (MB * MB) + bytes([cb]) * 64 + bytes([cr]) * 64


def h264_idr_pcm(macroblocks: list[bytes], idr_pic_id: int = 0) -> bytes:
    """An IDR slice of I_PCM macroblocks, in raster order."""
    if not macroblocks or any(len(mb) != _MB_SAMPLES for mb in macroblocks):
        raise ValueError(f"each macroblock is {_MB_SAMPLES} samples")
    bits = _Bits()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(7)  # slice_type: I (all slices)
    bits.ue(0)  # pic_parameter_set_id
    bits.u(4, 0)  # frame_num (log2_max_frame_num = 4)
    bits.ue(idr_pic_id)
    bits.u(1, 0)  # no_output_of_prior_pics_flag
    bits.u(1, 0)  # long_term_reference_flag
    bits.se(0)  # slice_qp_delta
    bits.ue(1)  # disable_deblocking_filter_idc: off
    bits.ue(25)  # mb_type: I_PCM
    bits.align_zero()  # pcm_alignment_zero_bit
    # After each macroblock's samples the stream is byte-aligned again.
    rbsp = bits.to_bytes() + _PCM_MB_TYPE_ALIGNED.join(macroblocks) + b"\x80"
    return _nal(5, 3, rbsp)


def h264_idr(shade: int) -> bytes:
    """An IDR slice of one I_PCM macroblock: a flat 16x16 frame of luma ``shade``."""
    return h264_idr_pcm([pcm_macroblock(shade)])


def h264_skip(frame_num: int, macroblocks: int = 1) -> bytes:
    """A P slice whose macroblocks are all skipped: repeats the previous frame."""
    bits = _Bits()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(5)  # slice_type: P (all slices)
    bits.ue(0)  # pic_parameter_set_id
    bits.u(4, frame_num & 0xF)  # frame_num
    bits.u(1, 0)  # num_ref_idx_active_override_flag
    bits.u(1, 0)  # ref_pic_list_modification_flag_l0
    bits.u(1, 0)  # adaptive_ref_pic_marking_mode_flag
    bits.se(0)  # slice_qp_delta
    bits.ue(1)  # disable_deblocking_filter_idc: off
    bits.ue(macroblocks)  # mb_skip_run: all of them
    return _nal(1, 2, bits.trailing())


def avc_decoder_config(width: int = MB, height: int = MB) -> bytes:
    """AVCDecoderConfigurationRecord with the SPS and PPS."""
    sps, pps = h264_sps(width, height), h264_pps()
    return (
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1])
        + struct.pack(">H", len(sps))
        + sps
        + b"\x01"
        + struct.pack(">H", len(pps))
        + pps
    )


def _avcc(*nals: bytes) -> bytes:
    return b"".join(struct.pack(">I", len(nal)) + nal for nal in nals)


def card_macroblocks(second: int, width_mbs: int, height_mbs: int) -> list[bytes]:
    """The macroblocks of the keyframe shown at ``second``: bands, a shade, a moving bar."""
    bar = second % width_mbs
    shade = (second * 9) % 80
    blocks = []
    for row in range(height_mbs):
        for column in range(width_mbs):
            if column == bar:
                blocks.append(pcm_macroblock(235))
            else:
                luma = 60 + shade + (row * 90) // max(1, height_mbs - 1)
                blocks.append(pcm_macroblock(luma, 90 + (row * 80) // height_mbs, 170 - column * 3))
    return blocks


@lru_cache(maxsize=64)
def _keyframe(phase: int, idr_pic_id: int, width: int, height: int) -> bytes:
    # The card repeats every width_mbs seconds, so a few dozen keyframes cover any stream.
    width_mbs, height_mbs = _mbs(width, height)
    picture = card_macroblocks(phase, width_mbs, height_mbs)
    return b"\x17\x01\x00\x00\x00" + _avcc(h264_idr_pcm(picture, idr_pic_id))


def flv_metadata(
    duration: float, frame_rate: float, *, live: bool, width: int = MB, height: int = MB
) -> bytes:
    """The ``onMetaData`` script tag payload (AMF0)."""
    props: dict[str, float | str] = {
        "duration": 0.0 if live else duration,
        "width": float(width),
        "height": float(height),
        "framerate": frame_rate,
        "videocodecid": 7.0,
        "encoder": "cniot tums simulator",
    }
    body = b"\x02" + _amf_string("onMetaData") + b"\x08" + struct.pack(">I", len(props))
    for key, value in props.items():
        body += _amf_string(key) + _amf_value(value)
    return body + b"\x00\x00\x09"


def flv_stream(
    frame_rate: float,
    *,
    frames: int | None,
    live: bool,
    width: int = STREAM_WIDTH,
    height: int = STREAM_HEIGHT,
) -> Iterator[bytes]:
    """Script tag, AVC sequence header, then ``frames`` frames (``None``: without end).

    A keyframe starts every second of stream time; P frames repeat it in between.
    """
    width_mbs, height_mbs = _mbs(width, height)
    interval = 1000.0 / frame_rate
    duration = 0.0 if frames is None else frames / frame_rate
    yield flv_tag(18, 0, flv_metadata(duration, frame_rate, live=live, width=width, height=height))
    yield flv_tag(9, 0, b"\x17\x00\x00\x00\x00" + avc_decoder_config(width, height))
    gop = max(1, round(frame_rate))
    skip = [
        b"\x27\x01\x00\x00\x00" + _avcc(h264_skip(n, width_mbs * height_mbs)) for n in range(16)
    ]
    for index in count() if frames is None else range(frames):
        timestamp = round(index * interval)
        if index % gop == 0:
            second = index // gop
            payload = _keyframe(second % width_mbs, second % 2, width, height)
        else:
            payload = skip[index % gop % 16]
        yield flv_tag(9, timestamp, payload)


def flv_tags(
    frames: int, frame_rate: float, *, live: bool, width: int = MB, height: int = MB
) -> list[bytes]:
    """The whole of a stream of ``frames`` frames (see :func:`flv_stream`)."""
    return list(
        islice(
            flv_stream(frame_rate, frames=frames, live=live, width=width, height=height),
            frames + 2,
        )
    )
