"""Moving pictures: reading and writing clips with their sound (PyAV, which bundles FFmpeg), and
keeping a painted clip steady from frame to frame (optical flow, OpenCV)."""
