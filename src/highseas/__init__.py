"""HighSeas: public-pool management (公海管理) for sales teams."""
