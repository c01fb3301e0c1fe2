"""The staged pricing engine, allocation and (later) coupon selection."""
