//! The audio callbacks must never allocate. This proves it for the pieces they are made of:
//! channel mixing, the streaming resampler, the rings (both sides) and the level meter, run
//! under an allocator that counts allocations made on this thread.

// A counting global allocator needs `unsafe impl GlobalAlloc`; it only forwards to the system
// allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use softphone_audio::resample::{downmix_into, StreamResampler};
use softphone_audio::ring::{capture_ring, playback_ring};
use softphone_audio::{Frame, Level, FRAME_SAMPLES};

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

struct CountingAllocator;

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: the thread-locals may already be gone while a thread shuts down.
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, i.e. from the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `f` and returns how many allocations it made on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn capture_and_playback_paths_do_not_allocate() {
    // Built outside the measured region, as the streams do when they open.
    let (mut cap_writer, mut cap_reader) = capture_ring(10);
    let (mut play_writer, mut play_reader) = playback_ring(6, 2);
    let mut down = StreamResampler::new(44_100, 48_000, 441).expect("resampler");
    let mut up = StreamResampler::new(48_000, 44_100, 480).expect("resampler");
    let device_in: Vec<i16> = (0..2 * 441).map(|i| (i * 37 % 2000) as i16).collect();
    let mut mono = vec![0.0f32; 4096];
    let mut chunk = vec![0.0f32; 480];
    let mut device_out = vec![0.0f32; 2 * 441];
    let mut frame = Frame::silence();
    let mut sink = 0.0f32;

    let count = allocations_in(|| {
        for _ in 0..200 {
            // Capture callback: stereo i16 at 44.1 kHz -> mono -> 48 kHz -> ring.
            let n = downmix_into(&device_in, 2, &mut mono);
            let _ = down.process(&mono[..n], |out| {
                cap_writer.push(out);
            });
            // Engine: frames out of the capture ring, into the playback ring.
            while cap_reader.read_frame(&mut frame) {
                let _ = Level::measure(&frame);
                let _ = play_writer.write_frame(&frame);
            }
            // Playback callback: 48 kHz chunks -> 44.1 kHz -> interleaved stereo.
            while play_reader.pull_exact(&mut chunk) {
                let _ = up.process(&chunk, |out| {
                    for (pair, s) in device_out.chunks_exact_mut(2).zip(out) {
                        pair.fill(*s);
                    }
                });
            }
            play_reader.fill(&mut mono[..441]);
            sink += device_out[0] + mono[0];
        }
    });
    assert_eq!(count, 0, "the callback paths allocated {count} times");
    assert!(cap_reader.stats().frames >= 95, "{:?}", cap_reader.stats());
    assert!(sink.is_finite());
    let _ = FRAME_SAMPLES;
}

#[test]
fn the_counter_sees_allocations() {
    let count = allocations_in(|| {
        let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(100));
        assert_eq!(v.capacity(), 100);
    });
    assert!(count >= 1);
}
