"""kefu 客服系统: the contact-center manuals in ../shared/seeds, built into software."""
